"""User accounts and secret tokens.

Passwords are stored as salted hashes (werkzeug's scrypt). Feed and API tokens are 256 random
bits, URL-safe; only their SHA-256 digest is stored, so a token's plaintext is known once, when
it is issued, and a lost one is replaced by rotating it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from scheduler.services import audit
from scheduler.store import (
    ManagerRow,
    OrgRow,
    PersonRow,
    TeamRow,
    TokenRow,
    UserRow,
    org_row_by_name,
)

TOKEN_KINDS = ("feed", "api")
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}")
MIN_PASSWORD = 8


class AccountError(ValueError):
    """A request about accounts or tokens that cannot be carried out (nothing was changed)."""


def hash_password(password: str) -> str:
    """Return a salted, slow hash of the password."""
    return generate_password_hash(password)


def check_password(password_hash: str | None, password: str) -> bool:
    """Tell whether the password matches the stored hash (no hash: never)."""
    if not password_hash:
        check_password_hash(_dummy_hash(), password)  # a miss costs as long as a wrong password
        return False
    return check_password_hash(password_hash, password)


@cache
def _dummy_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def generate_password() -> str:
    """Return a random password of about 96 bits, easy to copy."""
    return secrets.token_urlsafe(12)


def add_user(
    session: Session,
    username: str,
    password: str | None = None,
    person_key: str | None = None,
    is_admin: bool = False,
    manages: tuple[str, ...] | list[str] = (),
    org_id: int | None = None,
    *,
    actor: str,
    now: datetime,
    is_planner: bool = False,
) -> UserRow:
    """Create an account; without a password it can only sign in through a trusted proxy."""
    if not USERNAME.fullmatch(username or ""):
        raise AccountError(
            f"username {username!r} must be 1-100 letters, digits or . _ @ -, starting with a "
            "letter or digit"
        )
    if session.scalar(select(UserRow).where(UserRow.username == username)) is not None:
        raise AccountError(f"user {username!r} already exists")
    if password == "":
        raise AccountError("the password is empty")
    if is_planner and not (person_key or manages or is_admin):
        raise AccountError(
            "a planner plans the org of their person or teams: give --person or --manager"
        )
    org = _org(session, org_id) if person_key or manages else None
    person = _person(session, org, person_key) if person_key else None
    teams = [_team(session, org, key) for key in dict.fromkeys(manages)]
    user = UserRow(
        username=username,
        password_hash=None if password is None else hash_password(password),
        person_id=person.id if person else None,
        person=person,
        is_admin=is_admin,
        is_planner=is_planner,
        created_at=now,
    )
    user.managed = [ManagerRow(team_id=t.id) for t in teams]
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "user.create",
        "user",
        user.id,
        None,
        {
            "username": username,
            "person": person_key,
            "is_admin": is_admin,
            "is_planner": is_planner,
            "manages": [t.key for t in teams],
            "password": "set" if password is not None else "none",
        },
        now,
    )
    return user


def set_password(session: Session, username: str, password: str, *, actor: str, now) -> UserRow:
    """Replace a user's password."""
    user = user_by_name(session, username)
    if user is None:
        raise AccountError(f"there is no user {username!r}")
    if not password:
        raise AccountError("the password is empty")
    user.password_hash = hash_password(password)
    end_sessions(user)  # whoever knew the old password is signed out everywhere
    audit.record(
        session, actor, "user.password", "user", user.id, None, {"password": "changed"}, now
    )
    session.flush()
    return user


def set_planner(session: Session, username: str, planner: bool, *, actor: str, now) -> UserRow:
    """Grant (or with `planner` false, take back) the org planner role: publishing plans that
    change any team (docs/web.md#planning-rights). Raises AccountError for an unknown user."""
    user = user_by_name(session, username)
    if user is None:
        raise AccountError(f"there is no user {username!r}")
    before = user.is_planner
    user.is_planner = planner
    session.flush()
    audit.record(
        session,
        actor,
        "user.planner",
        "user",
        user.id,
        {"is_planner": before},
        {"is_planner": planner},
        now,
    )
    return user


def end_sessions(user: UserRow) -> None:
    """End every sign-in session of the user (the caller's transaction commits it)."""
    user.session_generation = (user.session_generation or 0) + 1


def user_by_name(session: Session, username: str) -> UserRow | None:
    """Return the account with this username, or None."""
    return session.scalar(select(UserRow).where(UserRow.username == username))


def authenticate(session: Session, username: str, password: str) -> UserRow | None:
    """Return the user when the password is right and the account is not disabled, else None
    (taking as long either way)."""
    user = user_by_name(session, username)
    if user is None or not user.active:
        check_password(None, password)
        return None
    return user if check_password(user.password_hash, password) else None


def manages(user: UserRow, team_id: int) -> bool:
    """Tell whether the user may manage the team (admins manage every team)."""
    return bool(user.is_admin or any(m.team_id == team_id for m in user.managed))


def digest(plaintext: str) -> str:
    """Return the SHA-256 hex digest a token is stored as."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def issue_token(
    session: Session,
    kind: str,
    *,
    person_id: int | None = None,
    team_id: int | None = None,
    user_id: int | None = None,
    now: datetime,
) -> str:
    """Create a token and return its plaintext; only the digest is stored."""
    if kind not in TOKEN_KINDS:
        raise AccountError(f"unknown token kind {kind!r}")
    if kind == "feed" and (person_id is None) == (team_id is None):
        raise AccountError("a feed token belongs to one person or one team")
    if kind == "api" and user_id is None:
        raise AccountError("an API token belongs to a user")
    plaintext = secrets.token_urlsafe(32)
    session.add(
        TokenRow(
            kind=kind,
            digest=digest(plaintext),
            person_id=person_id,
            team_id=team_id,
            user_id=user_id,
            created_at=now,
        )
    )
    session.flush()
    return plaintext


def active_tokens(
    session: Session,
    kind: str,
    *,
    person_id: int | None = None,
    team_id: int | None = None,
    user_id: int | None = None,
) -> list[TokenRow]:
    """Return the unrevoked tokens of one subject."""
    query = select(TokenRow).where(TokenRow.kind == kind, TokenRow.revoked_at.is_(None))
    for column, value in (
        (TokenRow.person_id, person_id),
        (TokenRow.team_id, team_id),
        (TokenRow.user_id, user_id),
    ):
        query = query.where(column.is_(None) if value is None else column == value)
    return list(session.scalars(query.order_by(TokenRow.id)))


def rotate_feed_token(
    session: Session,
    *,
    person_id: int | None = None,
    team_id: int | None = None,
    now: datetime,
    actor: str = "system",
) -> str:
    """Revoke the subject's feed tokens and issue a new one; return its plaintext."""
    revoked = 0
    for token in active_tokens(session, "feed", person_id=person_id, team_id=team_id):
        token.revoked_at = now
        revoked += 1
    plaintext = issue_token(session, "feed", person_id=person_id, team_id=team_id, now=now)
    entity, entity_id = ("person", person_id) if person_id is not None else ("team", team_id)
    action = "feed_token.rotate" if revoked else "feed_token.issue"
    audit.record(session, actor, action, entity, entity_id, {"revoked": revoked}, None, now)
    return plaintext


def revoke_token(session: Session, token_id: int, *, now: datetime, actor: str = "system") -> None:
    """Revoke one token; it stops resolving at once."""
    token = session.get(TokenRow, token_id)
    if token is None or token.revoked_at is not None:
        return
    token.revoked_at = now
    audit.record(session, actor, f"{token.kind}_token.revoke", "token", token.id, None, None, now)
    session.flush()


def lookup_token(session: Session, kind: str, plaintext: str) -> TokenRow | None:
    """Return the live token of that kind with this plaintext, or None."""
    if not plaintext or len(plaintext) > 200:
        return None
    wanted = digest(plaintext)
    token = session.scalar(select(TokenRow).where(TokenRow.digest == wanted))
    if token is None or not hmac.compare_digest(token.digest, wanted):
        return None
    if token.kind != kind or token.revoked_at is not None:
        return None
    return token


def check_strength(password: str) -> None:
    """Refuse passwords shorter than MIN_PASSWORD (the CLI and forms apply this policy)."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password needs at least {MIN_PASSWORD} characters")


def _org(session: Session, org_id: int | None) -> OrgRow:
    if org_id is not None:
        org = session.get(OrgRow, org_id)
        if org is None:
            raise AccountError(f"there is no org #{org_id}")
        return org
    try:
        return org_row_by_name(session)
    except LookupError as err:
        raise AccountError(str(err)) from None


def _person(session: Session, org: OrgRow, key: str) -> PersonRow:
    person = session.scalar(
        select(PersonRow).where(PersonRow.org_id == org.id, PersonRow.key == key)
    )
    if person is None:
        raise AccountError(f"{org.name} has no person {key!r}")
    return person


def _team(session: Session, org: OrgRow, key: str) -> TeamRow:
    team = session.scalar(select(TeamRow).where(TeamRow.org_id == org.id, TeamRow.key == key))
    if team is None:
        raise AccountError(f"{org.name} has no team {key!r}")
    return team


def revoke_api_tokens(session: Session, user_id: int, *, now: datetime, actor: str) -> int:
    """Revoke every live API token of a user; return how many were revoked."""
    live = session.scalars(
        select(TokenRow).where(
            TokenRow.kind == "api", TokenRow.user_id == user_id, TokenRow.revoked_at.is_(None)
        )
    ).all()
    for token in live:
        revoke_token(session, token.id, now=now, actor=actor)
    return len(live)


def users_with_roles(session: Session) -> list[tuple[UserRow, list[str]]]:
    """Return every account by username, with the keys of the teams it manages."""
    users = session.scalars(select(UserRow).order_by(UserRow.username)).all()
    return [
        (
            user,
            list(
                session.scalars(
                    select(TeamRow.key)
                    .join(ManagerRow, ManagerRow.team_id == TeamRow.id)
                    .where(ManagerRow.user_id == user.id)
                )
            ),
        )
        for user in users
    ]


def feed_subjects(
    session: Session, org: OrgRow, person_key: str | None = None, team_key: str | None = None
) -> list[tuple[str, PersonRow | TeamRow]]:
    """Return (kind, row) of the feeds asked for: one subject, or every active person and team.

    Raises LookupError naming the org when the person or team asked for is not active in it.
    """
    if person_key or team_key:
        kind = "person" if person_key else "team"
        row_type, key = (PersonRow, person_key) if person_key else (TeamRow, team_key)
        row = session.scalar(select(row_type).where(row_type.org_id == org.id, row_type.key == key))
        if row is None or not row.active:
            raise LookupError(f"{org.name} has no active {kind} {key!r}")
        return [(kind, row)]
    return [("person", p) for p in org.people if p.active] + [
        ("team", t) for t in org.teams if t.active
    ]
