"""Sign-in sessions that end: each carries its user's session generation, and raising the
generation (signing out, a new password, disabling the user) ends all of them at once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from scheduler.services import accounts, audit
from scheduler.store import UserRow


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
