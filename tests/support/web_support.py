"""Signing in and posting forms as the web tests do, with a CSRF token the tests know."""

from __future__ import annotations

from sqlalchemy.orm import sessionmaker

from scheduler.store import AssignmentRow
from support.world import PASSWORD

CSRF = "csrf-token-for-tests"


def give_csrf(client) -> str:
    """Put a known CSRF token in the client's session (as visiting any form would)."""
    with client.session_transaction() as session:
        session["csrf_token"] = CSRF
    return CSRF


def login(client, username: str) -> None:
    """Sign in through the form."""
    token = give_csrf(client)
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.text
    give_csrf(client)  # signing in starts a fresh session


def post(client, url: str, data: dict | None = None, **kwargs):
    """POST a form with the session's CSRF token."""
    return client.post(url, data={"csrf_token": CSRF, **(data or {})}, **kwargs)


def holder(sessions: sessionmaker, assignment_id: int) -> int:
    """Return the id of the person who holds an assignment now."""
    with sessions() as session:
        return session.get(AssignmentRow, assignment_id).person_id
