"""Sessions end: signing out, a new password and disabling an account end every session."""

from __future__ import annotations

import pytest
from support.web_support import give_csrf, login, post
from support.world import PAGES, PASSWORD

from scheduler.services import accounts, signin

NOW = PAGES.now
COOKIE = "rota_session"


def signed_in(client) -> bool:
    """Tell whether the client's session still reaches a page behind sign-in."""
    return client.get("/").status_code == 200


def copy_of(app, client):
    """Return a second client replaying the first one's session cookie (a stolen cookie)."""
    other = app.test_client()
    other.set_cookie(COOKIE, client.get_cookie(COOKIE).value)
    return other


def test_signing_out_ends_the_session_even_for_a_copied_cookie(app, client):
    login(client, "ana")
    thief = copy_of(app, client)
    assert signed_in(thief)
    assert post(client, "/logout").status_code == 302
    assert not signed_in(client)
    assert not signed_in(thief)


def test_signing_out_ends_the_users_other_sessions(app, client):
    laptop, phone = client, app.test_client()
    login(laptop, "ana")
    login(phone, "ana")
    assert post(laptop, "/logout").status_code == 302
    assert not signed_in(phone)
    login(phone, "ana")  # signing in again works
    assert signed_in(phone)


def test_a_new_password_ends_every_session(app, client, sessions):
    login(client, "ana")
    thief = copy_of(app, client)
    with sessions.begin() as session:
        accounts.set_password(session, "ana", "another-password", actor="test", now=NOW)
    assert not signed_in(client) and not signed_in(thief)


def test_a_disabled_user_is_signed_out_and_cannot_sign_in(app, client, sessions):
    login(client, "ana")
    with sessions.begin() as session:
        token = accounts.issue_token(
            session, "api", user_id=accounts.user_by_name(session, "ana").id, now=NOW
        )
    api = client.get("/api/v1/oncall", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    with sessions.begin() as session:
        signin.disable_user(session, "ana", actor="test", now=NOW)
    assert not signed_in(client)
    fresh = app.test_client()
    csrf = give_csrf(fresh)
    response = fresh.post(
        "/login", data={"username": "ana", "password": PASSWORD, "csrf_token": csrf}
    )
    assert response.status_code == 401
    api = client.get("/api/v1/oncall", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_a_forged_session_naming_a_user_without_a_generation_is_nobody(client, world):
    with client.session_transaction() as session:
        session["user_id"] = 1
    assert not signed_in(client)
    with client.session_transaction() as session:
        session["user_id"], session["generation"] = 2**70, 0
    assert not signed_in(client)


@pytest.mark.parametrize(
    "identifier",
    ["1", "1:", ":0", "1:x", "1:0:0", "-1:0", "\u0661:0", "9" * 20 + ":0", "1:" + "9" * 50],
)
def test_a_flask_login_session_id_that_is_not_user_and_generation_is_nobody(
    app, client, identifier
):
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = identifier, True
    assert not signed_in(client)


def test_the_session_names_the_user_and_generation_and_a_new_generation_ends_it(
    app, client, sessions
):
    login(client, "ana")
    with client.session_transaction() as session:
        identifier = session["_user_id"]
    with sessions() as session:
        ana = accounts.user_by_name(session, "ana")
        assert identifier == f"{ana.id}:{ana.session_generation}"
    with sessions.begin() as session:
        accounts.end_sessions(accounts.user_by_name(session, "ana"))
    assert not signed_in(client)
    with client.session_transaction() as session:
        assert "_user_id" not in session  # an ended session is forgotten
