"""Signing in and posting forms as the web tests do, with a CSRF token the tests know."""

from __future__ import annotations

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy.orm import sessionmaker

from scheduler.store import AssignmentRow
from support.app import SECRET_KEY
from support.world import PASSWORD

# Flask-WTF keeps a random value in the session and puts it, signed with the app's secret key,
# in forms; tokens never expire while their session lasts (WTF_CSRF_TIME_LIMIT None).
SESSION_CSRF = "csrf-value-for-tests"
CSRF_SALT = "wtf-csrf-token"  # Flask-WTF's
CSRF = URLSafeTimedSerializer(SECRET_KEY, salt=CSRF_SALT).dumps(SESSION_CSRF)


def give_csrf(client) -> str:
    """Put a known CSRF value in the client's session (as visiting any form would); return
    the token a form of that session carries."""
    with client.session_transaction() as session:
        session["csrf_token"] = SESSION_CSRF
    return CSRF


def session_value_of(token: str, secret_key: str = SECRET_KEY) -> str:
    """Return the session value a form's CSRF token is signed from (BadSignature if forged)."""
    return URLSafeTimedSerializer(secret_key, salt=CSRF_SALT).loads(token)


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
