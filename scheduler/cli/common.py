"""What every `rota` command shares: exit codes, bad input, parsers, the clock and the database.

The command modules import only what `rota --help` needs; the database (SQLAlchemy), the
reports (pandas), the feeds (icalendar) and the services are imported inside the commands that
use them, so `rota --help` answers at once (tests/cli/test_startup.py).
"""

from __future__ import annotations

import errno
import getpass
import json
import math
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import click

from scheduler.domain import model
from scheduler.domain.text import inert

if TYPE_CHECKING:
    from scheduler import store
    from scheduler.solve import Progress
    from scheduler.store import Session, sessionmaker

EXIT_PLANNED, EXIT_NO_PLAN, EXIT_BAD_INPUT, EXIT_NOT_FOUND = 0, 1, 2, 3  # docs/cli.md#exit-codes
EXIT_INTERRUPTED = 130  # 128 + SIGINT: Ctrl-C stopped the solve
EXIT_IO_ERROR = 74  # sysexits' EX_IOERR: a file or the output could not be written
EXIT_PIPE = 141  # 128 + SIGPIPE: whoever read the output stopped reading (`| head`)
UNKNOWN = "UNKNOWN"  # the JSON status when no plan was found and none proven impossible


class IOFailure(click.ClickException):
    """The operating system refused a read or a write (a full disk, a folder without write
    permission): exit code 74 with one line naming the file, never a traceback."""

    exit_code = EXIT_IO_ERROR

    def __init__(self, err: OSError):
        where = f"{err.filename}: " if err.filename else ""
        super().__init__(inert(f"{where}{err.strerror or err}"))


class RotaGroup(click.Group):
    """The `rota` command group: an OSError out of a command is one line (`IOFailure`), and a
    reader that stops reading (`rota plan ... | head -1`) ends the output quietly, exit 141."""

    def invoke(self, ctx: click.Context):
        """Run the command; see the class for how operating-system errors end it."""
        try:
            return super().invoke(ctx)
        except OSError as err:
            if err.errno == errno.EPIPE:
                # Point stdout at nothing, so the interpreter's last flush cannot fail again.
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                sys.exit(EXIT_PIPE)
            raise IOFailure(err) from None


class BadInput(click.ClickException):
    """Bad input: exit code 2 with one clear message, never a traceback (made inert)."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str):
        super().__init__(inert(message))


class FloatRange(click.FloatRange):
    """A float option within bounds, refusing "nan" (which click's own range lets through)."""

    def convert(self, value, param, ctx):
        """Return the number, failing on NaN as on a value out of range (click's interface)."""
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(f"{value!r} is not a number.", param, ctx)
        return number


SEED = click.IntRange(-(2**31), 2**31 - 1)  # CP-SAT's random_seed is a 32-bit integer


def echo(message: object = "", err: bool = False, nl: bool = True) -> None:
    """Print a line that may hold user text, made inert first (docs/cli.md#output).

    Names, team names, explanations and change lists come from org files and forms: a name
    holding `ESC ] 0 ; ... BEL` or a bidirectional override must not act on the terminal.
    """
    click.echo(inert(str(message)), err=err, nl=nl)


def parse_date(_ctx, _param, value: str | None) -> date | None:
    """Parse an ISO date option (click callback); a bad one is a usage error."""
    if value is None:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2027-01-04") from None
    from scheduler.domain.orgvalues import FIRST_DAY, LAST_DAY

    if not FIRST_DAY <= parsed <= LAST_DAY:
        raise click.BadParameter(f"{value} is outside the supported years 1900 to 2200")
    return parsed


def parse_time(_ctx, _param, value: str | None) -> datetime | None:
    """Parse an ISO time with a UTC offset (click callback), returned in UTC; a bad one, or one
    outside the years 1900 to 2200 (docs/org-file.md#limits), is a usage error (exit 2)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a time like 2027-02-01T09:00+00:00") from None
    if parsed.tzinfo is None:
        raise click.BadParameter(f"{value!r} needs a UTC offset, e.g. 2027-02-01T09:00+00:00")
    from scheduler.domain.orgvalues import FIRST_DAY, LAST_DAY

    if not FIRST_DAY <= parsed.date() <= LAST_DAY:  # before converting: year 1 can overflow
        raise click.BadParameter(f"{value} is outside the supported years 1900 to 2200")
    return parsed.astimezone(UTC)


def warn(message: str) -> None:
    """Print a warning on stderr; the command carries on."""
    echo(f"warning: {message}", err=True)


def show_progress(progress: Progress) -> None:
    """Show the solve's progress on stderr: one line per group, overwritten while it improves.

    A new group, or the spread after the ratio, starts a new line, so a group whose ratio is
    higher than the last one's reads as that group's, never as the plan getting worse.
    """
    key = (progress.phase, progress.group)
    if _shown and _shown[-1] != key:
        click.echo("", err=True)
    _shown[:] = [key]
    click.echo(
        f"\r\033[K{progress.describe()} ({progress.seconds:.1f} s)",
        nl=False,
        err=True,
    )


_shown: list[tuple[str, int]] = []  # the line show_progress is overwriting


def proof_fields(plan: model.Plan) -> dict:
    """Say which objectives were proven and the gaps to their bounds (for `--json`)."""

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 6)

    return {
        "proven": {
            "max_load_ratio": plan.ratio_proven,
            "spread": plan.spread_proven,
            "wishes": plan.lower_objectives_proven,
        },
        "gaps": {"max_load_ratio": rounded(plan.ratio_gap), "spread": rounded(plan.spread_gap)},
        "spread": rounded(plan.spread),
        "spread_bound": rounded(plan.spread_bound),
        "time_limit_reached": plan.capped,
    }


def plan_fields(plan: model.Plan, report, bound: float | None, changed: list[str] | None) -> dict:
    """Return what `--json` says of every plan: status, figures, proofs, and `changes` of a
    re-plan (`changed` is None when there was no previous plan)."""
    fields = {
        "status": plan.status,
        "max_load_ratio": round(report.max_load_ratio, 6),
        "lower_bound": None if bound is None else round(bound, 6),
        "flow_bound": plan.flow_bound,
        "solver_bound": plan.solver_bound,
        "gini": round(report.gini, 6),
        "solve_seconds": round(plan.solve_seconds, 3),
        "assignments": len(plan.assignments),
    } | proof_fields(plan)
    return fields if changed is None else fields | {"changes": changed}


def echo_changes(changed: list[str] | None, what: str) -> None:
    """Print a re-plan's changes: a count (`what` says changed from what), then one per line."""
    if changed is None:
        return
    count = len(changed)
    echo(f"\n{count} assignment{'' if count == 1 else 's'} {what}")
    for line in changed:
        echo(f"  {line}")


def echo_training(problem: model.Problem, plan: model.Plan) -> None:
    """Print which trainees complete training in the plan, and how far the others get
    (docs/rules.md#training-that-carries-over); nothing when the problem has no trainee left."""
    from scheduler.domain.training import training_lines

    lines = training_lines(problem.org, plan.assignments)
    if lines:
        click.echo("\ntraining:")
        for line in lines:
            click.echo(f"  {line}")


def load_org_file(path: str) -> model.Org:
    """Read an org file; any problem is bad input naming the file, key path and line."""
    from scheduler.domain.orgfile import OrgFileError, load_org

    try:
        return load_org(path)
    except OrgFileError as err:
        raise BadInput(str(err)) from None
    except OSError as err:
        raise BadInput(f"{path}: cannot read ({err.strerror})") from None


def now() -> datetime:
    """Read the clock: commands are the edge where time enters."""
    return datetime.now(UTC)


def actor() -> str:
    """Name who runs the command, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def org_row(session: Session, name: str | None) -> store.OrgRow:
    """Find the named org, or the only one; anything else is bad input."""
    from scheduler import store

    try:
        return store.org_row_by_name(session, name)
    except LookupError as err:
        hint = "; import one with `rota import ORGFILE`" if name is None else ""
        raise BadInput(f"{err}{hint}") from None


def no_plan(sentences, as_json: bool, solve_seconds: float | None = None) -> None:
    """Say why no plan exists (JSON on stdout too with `as_json`) and exit 1."""
    if as_json:
        payload = {"status": model.INFEASIBLE}
        if solve_seconds is not None:
            payload |= {"max_load_ratio": None, "lower_bound": None}
            payload["solve_seconds"] = round(solve_seconds, 3)
        echo(json.dumps(payload | {"explanation": list(sentences)}))
    echo("No plan satisfies every hard rule:", err=True)
    for sentence in sentences:
        echo(f"  - {sentence}", err=True)
    sys.exit(EXIT_NO_PLAN)


def not_found(outcome, time_limit: float, seconds: float, as_json: bool, stopped: bool) -> None:
    """Say that no plan was found, and none proven impossible, with the best bound known;
    exit 3, or 130 when Ctrl-C stopped the solve (docs/cli.md#exit-codes)."""
    bound = outcome.lower_bound
    known = (
        f"; the max load ratio of any plan is at least {bound:.4f} (proven)"
        if bound is not None
        else ""
    )
    if stopped:
        sentence = (
            f"interrupted after {seconds:.1f} s, before a plan of every rotation was found "
            f"(nothing was written){known}"
        )
    else:
        sentence = (
            f"no plan was found within the time limit ({time_limit:g} s), and none was proven "
            f"impossible: this is not a proof that no plan exists{known}; allow a longer solve "
            "(--time-limit)"
        )
    if as_json:
        payload = {
            "status": UNKNOWN,
            "max_load_ratio": None,
            "lower_bound": None if bound is None else round(bound, 6),
            "solve_seconds": round(seconds, 3),
            "time_limit_reached": not stopped,
            "interrupted": stopped,
            "explanation": [sentence],
        }
        echo(json.dumps(payload))
    echo(f"Error: {sentence}", err=True)
    sys.exit(EXIT_INTERRUPTED if stopped else EXIT_NOT_FOUND)


def check_horizon(start: date, weeks: int) -> None:
    """Refuse a horizon that runs past the last supported day (2200-12-31): exit 2."""
    from datetime import timedelta

    from scheduler.domain.orgvalues import LAST_DAY

    end = start + timedelta(weeks=weeks)
    if end > LAST_DAY + timedelta(days=1):
        raise BadInput(
            f"--start {start} with --weeks {weeks} runs to {end - timedelta(days=1)}, past the "
            f"last supported day {LAST_DAY}: start earlier or plan fewer weeks"
        )


def db_option(function):
    """Add `--db URL` (default: ROTA_DATABASE_URL, else sqlite:///rota.sqlite)."""
    return click.option(
        "--db",
        "db_url",
        metavar="URL",
        help="Database URL [default: $ROTA_DATABASE_URL, else sqlite:///rota.sqlite].",
    )(function)


@contextmanager
def database(url: str | None) -> Iterator[sessionmaker[Session]]:
    """Open (creating or upgrading) the database; database failures become clean errors."""
    from scheduler import store
    from scheduler.store import shown_url

    url = url or store.database_url()
    try:
        engine = store.open_engine(url)
    except store.DatabaseUrlError as err:
        raise BadInput(f"cannot use the database URL {shown_url(url)!r}: {err}") from None
    except store.DatabaseError as err:
        reason = getattr(err, "orig", None) or err
        raise BadInput(f"cannot open the database {shown_url(url)}: {reason}") from None
    try:
        try:
            yield store.session_factory(engine)
        except store.DatabaseError as err:
            reason = getattr(err, "orig", None) or err
            raise click.ClickException(f"database error: {reason}") from None
    finally:
        engine.dispose()
