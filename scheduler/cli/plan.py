"""`rota plan`: plan an org file's quarter into files, or the org in the database into a draft."""

from __future__ import annotations

import csv
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from scheduler.cli.common import (
    SEED,
    BadInput,
    FloatRange,
    check_horizon,
    echo,
    echo_changes,
    echo_training,
    load_org_file,
    no_plan,
    not_found,
    parse_date,
    parse_time,
    plan_fields,
    show_progress,
    warn,
)
from scheduler.cli.db import plan_in_database
from scheduler.cli.outdir import EXIT_INTERRUPTED, check_out, ctrl_c, write_run
from scheduler.domain.model import ROLES, Problem
from scheduler.domain.shifts import history_before, local_midnight, make_problem
from scheduler.domain.text import local_clock, plural
from scheduler.solve import Interrupt, SolveOptions, plan_or_explain


@click.command()
@click.argument("orgfile", type=click.Path(dir_okay=False), required=False)
@click.option(
    "--start",
    callback=parse_date,
    help="First day, e.g. 2027-01-04 (with --db: default the Monday after the latest plan).",
)
@click.option("--weeks", type=click.IntRange(1, 104), default=13, show_default=True)
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), default="out", show_default=True
)
@click.option("--previous", type=click.Path(dir_okay=False), help="A previous plan.csv to keep.")
@click.option("--now", callback=parse_time, help="With --previous: shifts before this are kept.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--time-limit", type=FloatRange(1, 3600), default=300, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=SolveOptions.num_workers,
    show_default=True,
    help="CP-SAT workers per search; above 1 they search interleaved, so plans stay "
    "reproducible, and fewer groups are solved side by side (cores / workers).",
)
@click.option("--seed", type=SEED, default=1, show_default=True)
@click.option(
    "--tolerance",
    type=FloatRange(0, 1),
    default=0.02,
    show_default=True,
    help="With --previous: how far above the best max load ratio (a fraction) the re-plan may "
    "go to change fewer assignments.",
)
@click.option(
    "--db",
    "db_url",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[URL]",
    help="Plan the org in the database instead of a file and store a draft "
    "(URL default: $ROTA_DATABASE_URL, else sqlite:///rota.sqlite).",
)
@click.option(
    "--org", "org_name", help="With --db: the org to plan (needed when there are several)."
)
@click.option(
    "--no-wait",
    is_flag=True,
    help="With --db and ROTA_REDIS_URL: print the plan job's id and return (see `rota job`).",
)
@click.option(
    "--job", "job_id", metavar="ID", help="With --db: show how queued plan job ID is going."
)
def plan(
    orgfile,
    start,
    weeks,
    out_dir,
    previous,
    now,
    as_json,
    time_limit,
    workers,
    seed,
    tolerance,
    db_url,
    org_name,
    no_wait,
    job_id,
):
    """Plan ORGFILE's rotations for WEEKS weeks from START; write CSVs and feeds to OUT.

    With --db instead of ORGFILE: plan the org kept in the database and store the plan as a
    draft (publish it with `rota publish`); no files are written.
    """
    if (no_wait or job_id) and db_url is None:
        raise BadInput("--no-wait and --job work with --db (the plan queue)")
    if job_id:
        from scheduler.cli.queued import show_job

        show_job(job_id, as_json)
        return
    if db_url is not None:
        if orgfile or previous:
            raise BadInput("--db plans the org in the database: give no ORGFILE or --previous")
        if start is not None:
            check_horizon(start, weeks)
        interrupt = Interrupt()
        options = SolveOptions(
            time_limit=time_limit,
            num_workers=workers,
            seed=seed,
            progress=None if as_json or not sys.stderr.isatty() else show_progress,
            interrupt=interrupt,
        )
        if no_wait:
            from scheduler.cli.queued import connected

            connected()  # --no-wait without the queue would solve here: say so first
        try:
            with ctrl_c(interrupt.request, interrupt.abort) as interrupted:
                plan_in_database(
                    db_url or None, org_name, start, weeks, options, as_json, not no_wait
                )
                if interrupted():
                    echo(INTERRUPTED_PLAN, err=True)
                    sys.exit(EXIT_INTERRUPTED)
        except KeyboardInterrupt:
            aborted = True
        else:
            aborted = False
        if aborted:  # outside the handler: see the same below
            echo("\naborted: no draft was stored", err=True)
            sys.exit(EXIT_INTERRUPTED)
        return
    if not orgfile:
        raise BadInput("give an ORGFILE to plan, or --db to plan the org in the database")
    if start is None:
        raise BadInput("Missing option '--start' (the first day, e.g. 2027-01-04)")
    check_horizon(start, weeks)
    out = Path(out_dir)
    check_out(out)
    interrupt = Interrupt()
    try:
        with ctrl_c(interrupt.request, interrupt.abort) as interrupted:
            problem = _problem(orgfile, start, weeks, previous, now)
            options = SolveOptions(
                time_limit=time_limit,
                num_workers=workers,
                seed=seed,
                tolerance=tolerance,
                progress=None if as_json or not sys.stderr.isatty() else show_progress,
                interrupt=interrupt,
            )
            _plan_and_write(problem, options, out, now, as_json, interrupted)
    except KeyboardInterrupt:
        aborted = True
    else:
        aborted = False
    if aborted:
        # Exit outside the handler: the traceback would keep the stopped CP-SAT solvers alive
        # until the interpreter's shutdown, where destroying them aborts the process.
        echo("\naborted: nothing was written", err=True)
        sys.exit(EXIT_INTERRUPTED)


def uncovered_starts(problem: Problem) -> list[str]:
    """Say which teams' first shift starts a day or more after `--start` with no history
    running up to it: nobody is on call there in this plan (docs/shifts.md#horizon)."""
    said = []
    history_end: dict[str, datetime] = {}  # per team, when its last history shift ends
    for past in problem.org.history:
        team_id = past.shift.team
        history_end[team_id] = max(past.shift.end, history_end.get(team_id, past.shift.end))
    for team in problem.org.teams:
        shifts = problem.shifts_of(team.id)
        if not shifts:
            continue
        first = min(s.start for s in shifts)
        begin = local_midnight(problem.horizon.start, team.timezone)
        held = team.id in history_end and history_end[team.id] >= first
        if first - begin >= timedelta(days=1) and not held:
            said.append(
                f"{team.id}: the first shift starts {local_clock(first, team.timezone)}, the "
                f"first handoff from {problem.horizon.start} on; until then nobody is on call "
                "in this plan (start on a handoff day, or give the shift running then as history)"
            )
    return said


def _problem(orgfile: str, start, weeks: int, previous: str | None, now) -> Problem:
    """Read the org file (and the previous plan) into the problem to solve."""
    org = load_org_file(orgfile)
    from scheduler.domain.feedfiles import feed_files

    try:
        feed_files(org)  # before the solve: a clash of feed file names is the org file's fault
    except ValueError as err:
        raise BadInput(f"{orgfile}: {err}") from None
    org, dropped = history_before(org, start)
    if dropped:
        warn(
            f"{orgfile}: left out {plural(dropped, 'history entry', 'history entries')} from "
            f"{start} on: history is past on-call, and the plan covers those weeks"
        )
    problem = make_problem(org, start, weeks)
    for sentence in uncovered_starts(problem):
        warn(sentence)
    if previous:
        return _with_previous(problem, previous, now)
    if now is not None:
        warn("--now without --previous only sets the clock of the feeds' timestamps")
    return problem


def _plan_and_write(problem, options, out: Path, now, as_json: bool, interrupted) -> None:
    """Solve, then write the run into --out all at once and print the summary or JSON."""
    org = problem.org
    started = time.monotonic()
    outcome = plan_or_explain(problem, options)
    seconds = time.monotonic() - started
    if options.progress:
        click.echo("\r\033[K", nl=False, err=True)
    if outcome.plan is None and not outcome.proven:  # a proof stands, interrupted or not
        not_found(outcome, options.time_limit, seconds, as_json, interrupted())
    if outcome.plan is None:
        no_plan(outcome.explanation, as_json, solve_seconds=seconds)
    from scheduler.domain.changes import changes
    from scheduler.domain.feedfiles import write_feeds
    from scheduler.domain.reports import fairness_frame, plan_frame, summary_text
    from scheduler.domain.training import training_lines

    result, report, bound = outcome.plan, outcome.report, outcome.lower_bound
    changed = changes(problem, result) if problem.previous else None

    def write(staging: Path) -> int:
        plan_frame(org, result).to_csv(staging / "plan.csv", index=False)
        fairness_frame(org, report).to_csv(staging / "fairness.csv", index=False)
        clock = now or datetime.now(UTC)
        return len(write_feeds(org, result, staging / "feeds", now=clock, warn=warn))

    feeds = write_run(out, write)
    stopped = interrupted()
    if as_json:
        fields = plan_fields(result, report, bound, changed)
        fields |= {"training": training_lines(problem.org, result.assignments)}
        echo(json.dumps(fields | {"out": str(out), "feeds": feeds, "interrupted": stopped}))
    else:
        echo(summary_text(org, result, report, result.solve_seconds, stopped))
        echo_training(problem, result)
        echo_changes(changed, "changed from --previous")
        echo(f"\nwrote {out / 'plan.csv'}, {out / 'fairness.csv'}, {plural(feeds, 'feed')}")
        if stopped:
            echo(INTERRUPTED_PLAN, err=True)
    if stopped:
        sys.exit(EXIT_INTERRUPTED)


INTERRUPTED_PLAN = (
    "interrupted: this is the best plan found before Ctrl-C; it passes every hard rule, but "
    "its fairness may not be the best possible: run again without interrupting for that"
)


def _with_previous(problem: Problem, path: str, now: datetime | None) -> Problem:
    """Read a previous plan.csv and attach what still applies to the problem; say on stderr,
    one line per kind, what no longer matches the org (docs/cli.md#re-planning-a-live-quarter).
    A file that cannot be read or a malformed row is bad input naming the file and line."""
    from scheduler.domain.previous import match_previous

    if now is None:
        raise BadInput("--previous needs --now: the time before which shifts are kept")
    rows = []
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames != ["team", "role", "start", "end", "person"]:
                raise BadInput(f"{path}: line 1: header must be team,role,start,end,person")
            for line, row in enumerate(reader, start=2):
                rows.append(_previous_row(path, line, row))
    except OSError as err:
        raise BadInput(f"{path}: cannot read ({err.strerror})") from None
    except UnicodeDecodeError as err:
        raise BadInput(f"{path}: not UTF-8 text (byte {err.start})") from None
    matched = match_previous(problem, rows)
    for line in matched.lines():
        warn(f"{path}: {line}; the re-plan keeps what still applies")
    return Problem(
        org=problem.org,
        horizon=problem.horizon,
        shifts=problem.shifts,
        previous=matched.assignments,
        now=now,
    )


def _previous_row(path: str, line: int, row: dict):
    from scheduler.domain.previous import PreviousRow

    if None in row or any(row.get(k) is None for k in ("team", "role", "start", "person")):
        raise BadInput(f"{path}: line {line}: needs 5 fields: team,role,start,end,person")
    try:
        start = datetime.fromisoformat(row["start"])
    except (TypeError, ValueError):
        raise BadInput(f"{path}: line {line}: start {row['start']!r} is not an ISO time") from None
    if start.tzinfo is None:
        raise BadInput(f"{path}: line {line}: start {row['start']!r} needs a UTC offset")
    if row["role"] not in ROLES:
        raise BadInput(f"{path}: line {line}: unknown role {row['role']!r}")
    return PreviousRow(row["team"], row["role"], start.astimezone(UTC), row["person"])
