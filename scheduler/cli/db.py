"""The `rota` commands that work on the database: import, plan --db, publish, feeds."""

from __future__ import annotations

import json
import os
import time
from typing import TYPE_CHECKING

import click

from scheduler.cli import queued
from scheduler.cli.common import (
    BadInput,
    actor,
    database,
    db_option,
    echo,
    echo_changes,
    echo_training,
    load_org_file,
    no_plan,
    not_found,
    now,
    org_row,
    plan_fields,
    warn,
)
from scheduler.domain import model
from scheduler.domain.text import inert, plural
from scheduler.solve import SolveOptions

if TYPE_CHECKING:
    from scheduler.store import Session, sessionmaker

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def import_into(sessions: sessionmaker[Session], org: model.Org, source: str):
    """Import an org in one transaction; an org that cannot be imported is bad input."""
    from scheduler.services import importer

    try:
        with sessions.begin() as session:
            return importer.import_org(session, org, actor(), now())
    except importer.ImportError_ as err:
        raise BadInput(f"{source}: {err} (nothing was imported)") from None


@click.command("import")
@click.argument("orgfile", type=click.Path(dir_okay=False))
@db_option
def import_command(orgfile, db_url):
    """Import ORGFILE into the database: all or nothing; importing it again changes nothing.

    People and teams are matched by id (removed ones become inactive); leave, avoid requests
    and history from the file replace those of earlier imports; leave entered on the web stays.
    A person who left loses their accounts and feed URLs; their published shifts ahead are
    uncovered, and a warning says so with the horizon to re-plan.
    """
    org = load_org_file(orgfile)
    with database(db_url) as sessions:
        result = import_into(sessions, org, orgfile)
    if not result.changes:
        echo(f"{org.name}: nothing changed")
    else:
        for change in result.changes:
            echo(change)
        echo(f"{org.name}: {plural(len(result.changes), 'change')} imported")
    for sentence in result.uncovered:
        warn(sentence)


def plan_in_database(
    db_url: str | None,
    org_name: str | None,
    start,
    weeks: int,
    options: SolveOptions,
    as_json: bool,
    wait: bool = True,
) -> None:
    """Plan the org kept in the database and store the plan as a draft.

    With ROTA_REDIS_URL set the solve is a job for `rota worker` processes: this waits for it
    (showing its progress), or with `wait` False prints the job id and returns.
    """
    from scheduler.services import planning

    with database(db_url) as sessions:
        with sessions() as session:
            org = org_row(session, org_name)
            org_id, org_label = org.id, org.name
            start = start or planning.next_quarter_start(session, org_id, now().date())
        started = time.monotonic()
        if queued.queue_url() is not None:
            submitted = queued.submit(sessions, org_id, start, weeks, options)
            if not wait:
                echo(submitted.job_id)
                return
            status = queued.wait_for(submitted.job_id, options.progress is not None)
            drafted = queued.drafted(status, submitted.problem, as_json)
        else:
            drafted = planning.plan_draft(sessions, org_id, start, weeks, options, actor(), now())
        with sessions() as session:
            for line in planning.previous_mismatch(session, org_id, drafted.problem):
                warn(f"the live plan: {line}; the re-plan keeps what still applies")
    if options.progress:
        click.echo("\r\033[K", nl=False, err=True)
    echo_drafted(drafted, org_label, (start, weeks), options, time.monotonic() - started, as_json)


def echo_drafted(
    drafted, org_label: str, horizon, options: SolveOptions, seconds: float, as_json: bool
) -> None:
    """Print a stored draft as `rota plan --db` does (the summary, or --json), or why none:
    not found in time (exit 3, or 130 when interrupted) or proven impossible (exit 1)."""
    from scheduler.domain.changes import changes
    from scheduler.domain.reports import summary_text
    from scheduler.domain.training import training_lines
    from scheduler.services import planning

    start, weeks = horizon

    outcome, plan_id, version = drafted.outcome, drafted.plan_id, drafted.version
    stopped = options.interrupt is not None and options.interrupt.requested
    if outcome.plan is None and not outcome.proven:  # a proof stands, interrupted or not
        not_found(outcome, options.time_limit, seconds, as_json, stopped)
    if outcome.plan is None:
        no_plan(outcome.explanation, as_json)
    result, report, problem = outcome.plan, outcome.report, drafted.problem
    changed = changes(problem, result) if problem.previous else None
    if as_json:
        echo(
            json.dumps(
                plan_fields(result, report, outcome.lower_bound, changed)
                | {"training": training_lines(problem.org, result.assignments)}
                | {"plan_id": plan_id, "version": version, "state": planning.DRAFT}
                | {"interrupted": stopped}
            )
        )
        return
    echo(summary_text(problem.org, result, report, result.solve_seconds, stopped))
    echo_training(problem, result)
    echo_changes(changed, "of the live plan changed")
    echo(
        f"\nstored draft plan #{plan_id} (version {version}) of {org_label}: "
        f"{plural(weeks, 'week')} "
        f"from {start}; publish it with `rota publish {plan_id}`"
    )


@click.command()
@click.argument("plan_id", type=int, required=False)
@click.option("--latest", is_flag=True, help="Publish the org's newest draft.")
@click.option("--org", "org_name", help="With --latest: the org (needed when there are several).")
@db_option
def publish(plan_id, latest, org_name, db_url):
    """Publish draft PLAN_ID (or --latest): it goes live and the plan it replaces is kept."""
    if (plan_id is None) == (not latest):
        raise BadInput("give a PLAN_ID or --latest")
    from scheduler import store
    from scheduler.services import planning

    with database(db_url) as sessions, sessions.begin() as session:
        if latest:
            org = org_row(session, org_name)
            draft = planning.latest_draft(session, org.id)
            if draft is None:
                raise click.ClickException(
                    inert(f"{org.name} has no draft plan; make one with `rota plan --db`")
                )
            plan_id = draft.id
        try:
            row = planning.publish(session, plan_id, actor(), now())
        except planning.PlanError as err:
            raise BadInput(str(err)) from None
        superseded = planning.superseded_ids(session, row.org_id, row.start)
        org_name = session.get(store.OrgRow, row.org_id).name
        message = (
            f"published plan #{row.id} (version {row.version}) of {org_name}: "
            f"{plural(row.weeks, 'week')} from {row.start}"
        )
    if superseded:
        message += "; earlier versions kept as superseded: " + ", ".join(
            f"#{n}" for n in sorted(superseded)
        )
    echo(message)


@click.command()
@click.option("--person", "person_key", metavar="ID", help="Only this person's feed.")
@click.option("--team", "team_key", metavar="ID", help="Only this team's feed.")
@click.option("--rotate", is_flag=True, help="Issue new tokens; the old URLs stop working.")
@click.option(
    "--base-url",
    default=lambda: os.environ.get("ROTA_BASE_URL", DEFAULT_BASE_URL),
    show_default=f"$ROTA_BASE_URL or {DEFAULT_BASE_URL}",
    help="Where the server is reached.",
)
@click.option("--org", "org_name", help="The org (needed when there are several).")
@db_option
def feeds(person_key, team_key, rotate, base_url, org_name, db_url):
    """Print feed URLs (BASE/feeds/<token>.ics), one per line, creating tokens as needed.

    Tokens are stored hashed, so a URL can be printed only when its token is made: without
    --rotate, subjects that already have a token are counted but not printed; --rotate replaces
    their tokens (the old URLs stop working) and prints every URL.
    """
    if person_key and team_key:
        raise BadInput("give --person or --team, not both")
    from scheduler.services import accounts

    base = base_url.rstrip("/")
    printed = kept = 0
    with database(db_url) as sessions, sessions.begin() as session:
        org = org_row(session, org_name)
        try:
            subjects = accounts.feed_subjects(session, org, person_key, team_key)
        except LookupError as err:
            raise BadInput(str(err)) from None
        for kind, row in subjects:
            subject = {"person_id": row.id} if kind == "person" else {"team_id": row.id}
            if not rotate and accounts.active_tokens(session, "feed", **subject):
                kept += 1
                continue
            token = accounts.rotate_feed_token(session, **subject, now=now(), actor=actor())
            echo(f"{kind}\t{row.key}\t{row.name}\t{base}/feeds/{token}.ics")
            printed += 1
    echo(f"{printed} feed URL{'' if printed == 1 else 's'} printed", err=True)
    if kept:
        echo(
            f"{kept} already had a feed token, whose URL cannot be shown again (only its digest "
            "is stored); run with --rotate to issue new URLs (the old ones stop working)",
            err=True,
        )
