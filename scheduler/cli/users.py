"""`rota users`: accounts, passwords and API tokens (passwords and tokens are stored hashed)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from scheduler.cli.common import BadInput, actor, database, db_option, echo, now, org_row

if TYPE_CHECKING:
    from scheduler.store import Session


@contextmanager
def account_change(db_url: str | None) -> Iterator[Session]:
    """Open one transaction for an account change; an AccountError raised in it is bad input
    (exit 2) and rolls the whole change back."""
    from scheduler.services import accounts

    with database(db_url) as sessions, sessions.begin() as session:
        try:
            yield session
        except accounts.AccountError as err:
            raise BadInput(str(err)) from None


@click.group()
def users() -> None:
    """Manage user accounts (passwords are stored hashed)."""


def read_password(from_stdin: bool) -> tuple[str, bool]:
    """Return the password from stdin, or a generated one; and whether it was generated."""
    from scheduler.services import accounts

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
@click.option("--planner", is_flag=True, help="Publishes plans that change any team.")
@click.option("--manager", "manages", multiple=True, metavar="TEAM", help="Manages TEAM.")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin.")
@click.option("--org", "org_name", help="The org of --person and --manager.")
@db_option
def users_add(username, person_key, admin, planner, manages, password_stdin, org_name, db_url):
    """Create an account; without --password-stdin a random password is printed once."""
    from scheduler.services import accounts

    password, generated = read_password(password_stdin)
    with account_change(db_url) as session:
        org_id = org_row(session, org_name).id if org_name else None
        accounts.add_user(
            session,
            username,
            password,
            person_key=person_key,
            is_admin=admin,
            is_planner=planner,
            manages=manages,
            org_id=org_id,
            actor=actor(),
            now=now(),
        )
    echo(f"created user {username}")
    if generated:
        echo(f"password: {password}")
        echo("(shown only now: it is stored hashed; reset it with `rota users passwd`)")


@users.command("planner")
@click.argument("username")
@click.option("--revoke", is_flag=True, help="Take the role back.")
@db_option
def users_planner(username, revoke, db_url):
    """Make USERNAME an org planner: they may publish plans that change any team."""
    from scheduler.services import accounts

    with account_change(db_url) as session:
        accounts.set_planner(session, username, not revoke, actor=actor(), now=now())
    click.echo(f"{username} is {'no longer ' if revoke else ''}an org planner")


@users.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from stdin.")
@db_option
def users_passwd(username, password_stdin, db_url):
    """Set a new password; without --password-stdin a random one is printed once."""
    from scheduler.services import accounts

    password, generated = read_password(password_stdin)
    with account_change(db_url) as session:
        accounts.set_password(session, username, password, actor=actor(), now=now())
    echo(f"new password set for {username}")
    if generated:
        echo(f"password: {password}")


@users.command("disable")
@click.argument("username")
@db_option
def users_disable(username, db_url):
    """Disable an account: no more sign-in, its sessions end, its API tokens are revoked."""
    from scheduler.services import signin

    with account_change(db_url) as session:
        signin.disable_user(session, username, actor=actor(), now=now())
    echo(f"disabled user {username}; their sessions and API tokens have ended")


@users.command("enable")
@click.argument("username")
@db_option
def users_enable(username, db_url):
    """Enable a disabled account again (e.g. of a person back in the org): it may sign in."""
    from scheduler.services import departures

    with account_change(db_url) as session:
        departures.enable_user(session, username, actor=actor(), now=now())
    echo(f"enabled user {username}; earlier sessions and revoked tokens stay ended")


@users.command("token")
@click.argument("username")
@click.option("--revoke-old", is_flag=True, help="Revoke this user's earlier API tokens.")
@db_option
def users_token(username, revoke_old, db_url):
    """Issue an API token for USERNAME (for `Authorization: Bearer`); printed once."""
    from scheduler.services import accounts

    with database(db_url) as sessions, sessions.begin() as session:
        user = accounts.user_by_name(session, username)
        if user is None:
            raise BadInput(f"no user named {username!r}")
        if revoke_old:
            accounts.revoke_api_tokens(session, user.id, now=now(), actor=actor())
        token = accounts.issue_token(session, "api", user_id=user.id, now=now())
    # Only the token on stdout, so `TOKEN=$(rota users token ana)` captures just it.
    echo(f"API token for {username} (shown only now; stored as a fingerprint):", err=True)
    echo(token)


@users.command("list")
@db_option
def users_list(db_url):
    """List the accounts: username, person id (or -), roles, and "(disabled)" for an account
    that may not sign in (docs/cli.md#rota-users)."""
    from scheduler.services import accounts

    with database(db_url) as sessions, sessions() as session:
        for user, teams in accounts.users_with_roles(session):
            roles = (["admin"] if user.is_admin else []) + (["planner"] if user.is_planner else [])
            roles += [f"manager:{t}" for t in teams]
            person = user.person.key if user.person else "-"
            state = "" if user.active else " (disabled)"
            echo(f"{user.username}\t{person}\t{' '.join(roles) or 'engineer'}{state}")
