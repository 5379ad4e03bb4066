"""The `rota serve` and `rota demo` commands: run the web UI; set up the sample org and run it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import click

from scheduler.cli.common import (
    BadInput,
    FloatRange,
    actor,
    check_horizon,
    database,
    db_option,
    echo,
    load_org_file,
    no_plan,
    now,
    parse_date,
    warn,
)
from scheduler.cli.db import import_into
from scheduler.cli.outdir import check_out, write_run
from scheduler.domain.model import Org
from scheduler.domain.shifts import history_before
from scheduler.domain.text import plural
from scheduler.solve import SolveOptions

if TYPE_CHECKING:
    from scheduler.store import Session, sessionmaker


def default_workers() -> int:
    """Return gunicorn's worker count: the cores, at least 2 and at most 4."""
    return max(2, min(os.cpu_count() or 1, 4))


def run_server(host: str, port: int, workers: int | None, debug: bool, db_url: str | None) -> None:
    """Serve `web.create_app()`: gunicorn, or Flask's debug server with `debug`."""
    from scheduler import store

    url = db_url or store.database_url()
    with database(url):
        pass  # create or upgrade the schema once, before any worker starts
    os.environ["ROTA_DATABASE_URL"] = url  # the app (and every worker) reads it
    try:
        from web import create_app

        app = create_app()  # fail here, with one message, rather than in every worker
    except Exception as err:  # noqa: BLE001 - any failure to build the app ends the command
        raise click.ClickException(f"the web app cannot start: {err}") from None
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    del app  # each worker builds its own app, with its own database connections
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def __init__(self, options: dict):
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                self.cfg.set(key, value)

        def load(self):
            return create_app()

    Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers or default_workers(),
            # Threads keep a worker answering feeds while another request waits on the solver.
            "worker_class": "gthread",
            "threads": 4,
            "accesslog": "-",
            "errorlog": "-",
        }
    ).run()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option(
    "--workers", type=click.IntRange(1, 64), help="gunicorn workers [default: CPUs, 2-4]."
)
@click.option("--debug", is_flag=True, help="Flask's debug server (reloads on change).")
@db_option
def serve(host, port, workers, debug, db_url):
    """Serve the web UI and the feeds (gunicorn; Flask's debug server with --debug)."""
    run_server(host, port, workers, debug, db_url)


@dataclass(frozen=True)
class Login:
    """An account the demo made or found, for printing once."""

    username: str
    password: str | None  # None: the account existed already
    role: str


@click.command()
@click.argument("orgfile", default="data/acme.yaml", type=click.Path(dir_okay=False))
@click.option(
    "--start",
    callback=parse_date,
    help="First day to plan  [default: this week's Monday, or the start of the plan running now]",
)
@click.option("--weeks", type=click.IntRange(1, 104), default=13, show_default=True)
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), default="out", show_default=True
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--no-serve", is_flag=True, help="Set everything up, then stop.")
@click.option("--time-limit", type=FloatRange(1, 3600), default=300, show_default=True)
@click.option(
    "--workers", type=click.IntRange(1, 64), default=SolveOptions.num_workers, show_default=True
)
@db_option
def demo(orgfile, start, weeks, out_dir, host, port, no_serve, time_limit, workers, db_url):
    """Import ORGFILE, plan and publish WEEKS from START, create logins, write OUT, and serve.

    START defaults to this week (Monday, in the first team's zone), so people are on call now;
    a re-run keeps the plan running now. History from START on is left out: it would be on-call
    in the plan's own weeks. Safe to run again: an unchanged org keeps its published plan (and
    any swaps made since), and existing accounts keep their passwords.
    """
    from scheduler import store
    from scheduler.store import shown_url

    if start is not None:
        check_horizon(start, weeks)
    check_out(Path(out_dir))
    org = load_org_file(orgfile)
    url = db_url or store.database_url()
    echo(f"database: {shown_url(url)}")
    options = SolveOptions(time_limit=time_limit, num_workers=workers, seed=1)
    with database(url) as sessions:
        if start is None:
            start = demo_start(sessions, org, now())
            check_horizon(start, weeks)
        org, dropped = history_before(org, start)
        if dropped:
            click.echo(
                f"left out {plural(dropped, 'history entry', 'history entries')} "
                f"from {start} on: the plan covers those weeks"
            )
        result = import_into(sessions, org, orgfile)
        changed = bool(result.changes)
        echo(
            f"imported {org.name}: {plural(len(result.changes), 'change')}"
            if changed
            else f"{org.name} is already imported and unchanged"
        )
        plan_id = _published_plan(
            sessions, result.org_id, start, weeks, replan=changed, options=options
        )
        logins = _create_logins(sessions, org)
        _write_out(sessions, plan_id, Path(out_dir))
    _print_logins(logins, f"http://{host}:{port}/")
    if not no_serve:
        run_server(host, port, None, False, url)


def demo_start(sessions: sessionmaker[Session], org: Org, at: datetime) -> date:
    """Return where the demo plans by default: the start of the org's published plan running
    at `at` (so a re-run keeps it), else the Monday of `at`'s week in the first team's zone.

    On a Monday, the Monday before: a weekly shift hands off later that day, and until then
    the week before's crew is on call, so the demo must hold that week too.
    """
    from scheduler import store
    from scheduler.services import planning

    with sessions() as session:
        try:
            org_id = store.org_row_by_name(session, org.name).id
        except LookupError:
            org_id = None
        running = planning.plan_covering(session, org_id, at) if org_id is not None else None
        if running is not None:
            return running.start
    yesterday = (at - timedelta(days=1)).astimezone(ZoneInfo(org.teams[0].timezone)).date()
    return yesterday - timedelta(days=yesterday.weekday())


def _published_plan(sessions: sessionmaker[Session], org_id, start, weeks, replan, options) -> int:
    """Return the published plan of the horizon, solving and publishing one when needed."""
    from scheduler.services import planning

    with sessions() as session:
        live = planning.live_plan(session, org_id, start, weeks)
        if live is not None and not replan:
            echo(f"keeping published plan #{live.id} ({plural(weeks, 'week')} from {start})")
            return live.id
    echo(f"planning {plural(weeks, 'week')} from {start} (up to {options.time_limit:g} s)...")
    drafted = planning.plan_draft(
        sessions, org_id, start, weeks, options, actor(), now(), keep_live=False, publish_it=True
    )
    if drafted.outcome.plan is None:
        no_plan(drafted.outcome.explanation, as_json=False)
    echo(f"published plan #{drafted.plan_id} (version {drafted.version})")
    return drafted.plan_id


def _create_logins(sessions: sessionmaker[Session], org) -> list[Login]:
    """Create an admin, a manager of the first team and its engineers (username = person id)."""
    from scheduler import store
    from scheduler.services import accounts

    team = org.teams[0]
    wanted = [
        ("admin", None, True, (), "admin"),
        ("manager", None, False, (team.id,), f"manager of {team.name}"),
        *((m, m, False, (), f"engineer: {org.person(m).name}, {team.name}") for m in team.members),
    ]
    logins = []
    with sessions.begin() as session:
        org_id = store.org_row_by_name(session, org.name).id
        for username, person, is_admin, manages, role in wanted:
            if accounts.user_by_name(session, username) is not None:
                logins.append(Login(username, None, role))
                continue
            password = accounts.generate_password()
            try:
                accounts.add_user(
                    session,
                    username,
                    password,
                    person,
                    is_admin,
                    manages,
                    org_id,
                    actor=actor(),
                    now=now(),
                )
            except accounts.AccountError as err:
                raise BadInput(str(err)) from None
            logins.append(Login(username, password, role))
    return logins


def _write_out(sessions: sessionmaker[Session], plan_id: int, out: Path) -> None:
    """Print the fairness report; write plan.csv, fairness.csv and feeds/ as `rota plan` does."""
    from scheduler import store
    from scheduler.domain.feedfiles import write_feeds
    from scheduler.domain.reports import fairness_frame, plan_frame, summary_text
    from scheduler.services import planning

    with sessions() as session:
        row = session.get(store.PlanRow, plan_id)
        problem, plan = store.problem_for_plan(session, row)
        report = planning.fairness_of(session, plan_id)
    org = problem.org
    echo("")
    echo(summary_text(org, plan, report, plan.solve_seconds))

    def write(staging: Path) -> int:  # all at once, as `rota plan` does (docs/cli.md)
        plan_frame(org, plan).to_csv(staging / "plan.csv", index=False)
        fairness_frame(org, report).to_csv(staging / "fairness.csv", index=False)
        try:
            return len(write_feeds(org, plan, staging / "feeds", now=now(), warn=warn))
        except ValueError as err:  # a person and a team wanting one feed file name
            raise BadInput(str(err)) from None

    written = write_run(out, write)
    echo(f"\nwrote {out / 'plan.csv'}, {out / 'fairness.csv'}, {plural(written, 'feed')}")


def _print_logins(logins: list[Login], url: str) -> None:
    echo(f"\nSign in at {url} with one of these accounts:")
    width = max(len(login.username) for login in logins)
    for login in logins:
        secret = login.password or "(exists: `rota users passwd " + login.username + "` resets it)"
        echo(f"  {login.username:<{width}}  {secret}  {login.role}")
    if any(login.password for login in logins):
        echo("Passwords are shown only now: they are stored hashed.")
    echo("Feed URLs: the Feeds page after signing in, or `rota feeds`.")


COMMANDS = (serve, demo)
