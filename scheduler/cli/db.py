"""The `rota` commands that work on the database: import, plan --db, publish, users, feeds."""

from __future__ import annotations

import json
import os
import sys

import click
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scheduler import store
from scheduler.cli.common import (
    EXIT_NO_PLAN,
    BadInput,
    actor,
    database,
    db_option,
    load_org_file,
    now,
)
from scheduler.domain import model
from scheduler.domain.reports import summary_text
from scheduler.services import accounts, importer, planning
from scheduler.solve.phases import SolveOptions

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def org_row(session: Session, name: str | None) -> store.OrgRow:
    """Find the named org, or the only one; anything else is bad input."""
    try:
        return store.org_row_by_name(session, name)
    except LookupError as err:
        hint = "; import one with `rota import ORGFILE`" if name is None else ""
        raise BadInput(f"{err}{hint}") from None


def import_into(sessions: sessionmaker[Session], org: model.Org, source: str):
    """Import an org in one transaction; an org that cannot be imported is bad input."""
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
    """
    org = load_org_file(orgfile)
    with database(db_url) as sessions:
        result = import_into(sessions, org, orgfile)
    if not result.changes:
        click.echo(f"{org.name}: nothing changed")
        return
    for change in result.changes:
        click.echo(change)
    click.echo(f"{org.name}: {len(result.changes)} changes imported")


def plan_in_database(
    db_url: str | None,
    org_name: str | None,
    start,
    weeks: int,
    options: SolveOptions,
    as_json: bool,
) -> None:
    """Plan the org kept in the database and store the plan as a draft."""
    with database(db_url) as sessions:
        with sessions() as session:  # a short read: no lock is held while the solver runs
            org = org_row(session, org_name)
            org_id, org_label = org.id, org.name
            start = start or planning.next_quarter_start(session, org_id, now().date())
            problem = planning.build_problem(session, org_id, start, weeks, now=now())
        solved = planning.solve_problem(problem, options)
        if options.progress:
            click.echo("\r\033[K", nl=False, err=True)
        if solved.result is None:
            no_plan(solved.explanation, as_json)
        with sessions.begin() as session:
            row = planning.store_draft(session, org_id, problem, solved, actor(), now())
            plan_id, version = row.id, row.version
    result, report = solved.result, solved.report
    if as_json:
        click.echo(
            json.dumps(
                {
                    "status": result.status,
                    "max_load_ratio": round(report.max_load_ratio, 6),
                    "lower_bound": None
                    if solved.lower_bound is None
                    else round(solved.lower_bound, 6),
                    "gini": round(report.gini, 6),
                    "solve_seconds": round(result.solve_seconds, 3),
                    "assignments": len(result.assignments),
                    "plan_id": plan_id,
                    "version": version,
                    "state": planning.DRAFT,
                }
            )
        )
        return
    click.echo(summary_text(problem.org, result, report, result.solve_seconds))
    click.echo(
        f"\nstored draft plan #{plan_id} (version {version}) of {org_label}: {weeks} weeks "
        f"from {start}; publish it with `rota publish {plan_id}`"
    )


def no_plan(sentences: list[str], as_json: bool) -> None:
    """Say why no plan exists and exit 1."""
    if as_json:
        click.echo(json.dumps({"status": model.INFEASIBLE, "explanation": sentences}))
    click.echo("No plan satisfies every hard rule:", err=True)
    for sentence in sentences:
        click.echo(f"  - {sentence}", err=True)
    sys.exit(EXIT_NO_PLAN)


@click.command()
@click.argument("plan_id", type=int, required=False)
@click.option("--latest", is_flag=True, help="Publish the org's newest draft.")
@click.option("--org", "org_name", help="With --latest: the org (needed when there are several).")
@db_option
def publish(plan_id, latest, org_name, db_url):
    """Publish draft PLAN_ID (or --latest): it goes live and the plan it replaces is kept."""
    if (plan_id is None) == (not latest):
        raise BadInput("give a PLAN_ID or --latest")
    with database(db_url) as sessions, sessions.begin() as session:
        if latest:
            org = org_row(session, org_name)
            plan_id = session.scalar(
                select(store.PlanRow.id)
                .where(store.PlanRow.org_id == org.id, store.PlanRow.state == planning.DRAFT)
                .order_by(store.PlanRow.created_at.desc(), store.PlanRow.id.desc())
            )
            if plan_id is None:
                raise click.ClickException(
                    f"{org.name} has no draft plan; make one with `rota plan --db`"
                )
        try:
            row = planning.publish(session, plan_id, actor(), now())
        except planning.PlanError as err:
            raise BadInput(str(err)) from None
        superseded = session.scalars(
            select(store.PlanRow.id).where(
                store.PlanRow.org_id == row.org_id,
                store.PlanRow.start == row.start,
                store.PlanRow.state == planning.SUPERSEDED,
            )
        ).all()
        org_name = session.get(store.OrgRow, row.org_id).name
        message = (
            f"published plan #{row.id} (version {row.version}) of {org_name}: "
            f"{row.weeks} weeks from {row.start}"
        )
    if superseded:
        message += "; earlier versions kept as superseded: " + ", ".join(
            f"#{n}" for n in sorted(superseded)
        )
    click.echo(message)


@click.group()
def users() -> None:
    """Manage user accounts (passwords are stored hashed)."""


def read_password(from_stdin: bool) -> tuple[str, bool]:
    """Return the password from stdin, or a generated one; and whether it was generated."""
    if not from_stdin:
        return accounts.generate_password(), True
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        accounts.check_strength(password)
    except accounts.AccountError as err:
        raise BadInput(str(err)) from None
    return password, False


@users.command("add")
@click.argument("username")
@click.option("--person", "person_key", metavar="ID", help="The person this account is.")
@click.option("--admin", is_flag=True, help="Administers everything.")
@click.option("--manager", "manages", multiple=True, metavar="TEAM", help="Manages TEAM.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@click.option("--org", "org_name", help="The org of --person and --manager.")
@db_option
def users_add(username, person_key, admin, manages, password_stdin, org_name, db_url):
    """Create an account; without --password-stdin a random password is printed once."""
    password, generated = read_password(password_stdin)
    with database(db_url) as sessions, sessions.begin() as session:
        org_id = org_row(session, org_name).id if org_name else None
        try:
            accounts.add_user(
                session,
                username,
                password,
                person_key=person_key,
                is_admin=admin,
                manages=manages,
                org_id=org_id,
                actor=actor(),
                now=now(),
            )
        except accounts.AccountError as err:
            raise BadInput(str(err)) from None
    click.echo(f"created user {username}")
    if generated:
        click.echo(f"password: {password}")
        click.echo("(shown only now: it is stored hashed; reset it with `rota users passwd`)")


@users.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from stdin.")
@db_option
def users_passwd(username, password_stdin, db_url):
    """Set a new password; without --password-stdin a random one is printed once."""
    password, generated = read_password(password_stdin)
    with database(db_url) as sessions, sessions.begin() as session:
        try:
            accounts.set_password(session, username, password, actor=actor(), now=now())
        except accounts.AccountError as err:
            raise BadInput(str(err)) from None
    click.echo(f"new password set for {username}")
    if generated:
        click.echo(f"password: {password}")


@users.command("token")
@click.argument("username")
@click.option("--revoke-old", is_flag=True, help="Revoke this user's earlier API tokens.")
@db_option
def users_token(username, revoke_old, db_url):
    """Issue an API token for USERNAME (for `Authorization: Bearer`); printed once."""
    with database(db_url) as sessions, sessions.begin() as session:
        user = accounts.user_by_name(session, username)
        if user is None:
            raise BadInput(f"no user named {username!r}")
        if revoke_old:
            for old in session.scalars(
                select(store.TokenRow).where(
                    store.TokenRow.kind == "api",
                    store.TokenRow.user_id == user.id,
                    store.TokenRow.revoked_at.is_(None),
                )
            ).all():
                accounts.revoke_token(session, old.id, now=now(), actor=actor())
        token = accounts.issue_token(session, "api", user_id=user.id, now=now())
    click.echo(f"API token for {username} (shown only now; stored as a fingerprint):")
    click.echo(token)


@users.command("list")
@db_option
def users_list(db_url):
    """List the accounts and their roles."""
    with database(db_url) as sessions, sessions() as session:
        rows = session.scalars(select(store.UserRow).order_by(store.UserRow.username)).all()
        for user in rows:
            teams = session.scalars(
                select(store.TeamRow.key)
                .join(store.ManagerRow, store.ManagerRow.team_id == store.TeamRow.id)
                .where(store.ManagerRow.user_id == user.id)
            ).all()
            roles = (["admin"] if user.is_admin else []) + [f"manager:{t}" for t in teams]
            person = user.person.key if user.person else "-"
            click.echo(f"{user.username}\t{person}\t{' '.join(roles) or 'engineer'}")


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
    base = base_url.rstrip("/")
    printed = kept = 0
    with database(db_url) as sessions, sessions.begin() as session:
        org = org_row(session, org_name)
        for kind, row in feed_subjects(session, org, person_key, team_key):
            subject = {"person_id": row.id} if kind == "person" else {"team_id": row.id}
            if not rotate and accounts.active_tokens(session, "feed", **subject):
                kept += 1
                continue
            token = accounts.rotate_feed_token(session, **subject, now=now(), actor=actor())
            click.echo(f"{kind}\t{row.key}\t{row.name}\t{base}/feeds/{token}.ics")
            printed += 1
    click.echo(f"{printed} feed URL{'' if printed == 1 else 's'} printed", err=True)
    if kept:
        click.echo(
            f"{kept} already had a feed token, whose URL cannot be shown again (only its digest "
            "is stored); run with --rotate to issue new URLs (the old ones stop working)",
            err=True,
        )


def feed_subjects(session: Session, org: store.OrgRow, person_key, team_key):
    """Return (kind, row) of the feeds asked for: one subject, or every active person and team."""
    if person_key or team_key:
        row_type, key = (store.PersonRow, person_key) if person_key else (store.TeamRow, team_key)
        row = session.scalar(select(row_type).where(row_type.org_id == org.id, row_type.key == key))
        if row is None or not row.active:
            kind = "person" if person_key else "team"
            raise BadInput(f"{org.name} has no active {kind} {key!r}")
        return [("person" if person_key else "team", row)]
    return [("person", p) for p in org.people if p.active] + [
        ("team", t) for t in org.teams if t.active
    ]


COMMANDS = (import_command, publish, users, feeds)
