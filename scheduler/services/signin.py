"""Sign-in sessions that end: each carries its user's session generation, and raising the
generation (signing out, a new password, disabling the user) ends all of them at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from scheduler.services import accounts, audit
from scheduler.store import UserRow


def session_id(user: UserRow) -> str:
    """Return the identifier a sign-in session stores for `user`: "<user id>:<generation>".

    It changes whenever the user's sessions end (sign-out, a new password, disabling), so
    every session holding the old one names nobody from then on.
    """
    return f"{user.id}:{user.session_generation or 0}"


def user_of_session_id(session: Session, identifier: object) -> UserRow | None:
    """Return the user a stored `session_id` names, or None when that session has ended.

    Anything but "<digits>:<digits>" (a forged or an older cookie) names nobody.
    """
    if not isinstance(identifier, str) or len(identifier) > 40:
        return None
    user_id, _, generation = identifier.partition(":")
    if not all(part.isascii() and part.isdigit() for part in (user_id, generation)):
        return None
    return session_user(session, int(user_id), int(generation))


def session_user(session: Session, user_id: object, generation: object) -> UserRow | None:
    """Return the user a sign-in session names, or None when that session has ended.

    A session ends when its user is gone or disabled, or when its generation is not the
    user's current one. Values that are not whole numbers (a forged cookie) name nobody.
    """
    if type(user_id) is not int or type(generation) is not int:
        return None
    user = session.get(UserRow, user_id) if 0 < user_id < 2**31 else None
    if user is None or not user.active or user.session_generation != generation:
        return None
    return user


def disable_user(session: Session, username: str, *, actor: str, now: datetime) -> UserRow:
    """Disable an account: its sessions end, it cannot sign in, its API tokens are revoked.

    Raises accounts.AccountError for an unknown user.
    """
    user = accounts.user_by_name(session, username)
    if user is None:
        raise accounts.AccountError(f"there is no user {username!r}")
    user.active = False
    accounts.end_sessions(user)
    accounts.revoke_api_tokens(session, user.id, now=now, actor=actor)
    audit.record(session, actor, "user.disable", "user", user.id, None, {"active": False}, now)
    session.flush()
    return user
