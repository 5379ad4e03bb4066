"""What every `rota` command shares: exit codes, bad input, parsers, the clock and the database."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from scheduler import store
from scheduler.domain import model
from scheduler.domain.orgfile import OrgFileError, load_org
from scheduler.solve.phases import Progress

EXIT_PLANNED, EXIT_NO_PLAN, EXIT_BAD_INPUT = 0, 1, 2


class BadInput(click.ClickException):
    """Bad input: exit code 2 with one clear message, never a traceback."""

    exit_code = EXIT_BAD_INPUT


def parse_date(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2027-01-04") from None


def parse_time(_ctx, _param, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a time like 2027-02-01T09:00+00:00") from None
    if parsed.tzinfo is None:
        raise click.BadParameter(f"{value!r} needs a UTC offset, e.g. 2027-02-01T09:00+00:00")
    return parsed.astimezone(UTC)


def show_progress(progress: Progress) -> None:
    best = "-" if progress.best is None else f"{progress.best:.4f}"
    click.echo(
        f"\r\033[K{progress.phase}: best {best}, bound {progress.bound:.4f} "
        f"({progress.seconds:.1f} s)",
        nl=False,
        err=True,
    )


def load_org_file(path: str) -> model.Org:
    """Read an org file; any problem is bad input naming the file, key path and line."""
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


def shown_url(url: str) -> str:
    """Return the URL with any password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


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
    url = url or store.database_url()
    try:
        engine = store.make_engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError) as err:
        raise BadInput(f"cannot use the database URL {shown_url(url)!r}: {err}") from None
    try:
        try:
            store.migrate(engine)
        except SQLAlchemyError as err:
            reason = getattr(err, "orig", None) or err
            raise BadInput(f"cannot open the database {shown_url(url)}: {reason}") from None
        try:
            yield store.session_factory(engine)
        except SQLAlchemyError as err:
            reason = getattr(err, "orig", None) or err
            raise click.ClickException(f"database error: {reason}") from None
    finally:
        engine.dispose()
