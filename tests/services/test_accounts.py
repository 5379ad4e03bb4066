"""Accounts and tokens: hashed passwords, roles, tokens of 128+ bits stored only as digests."""

from __future__ import annotations

import base64
import hashlib

import pytest
from sqlalchemy import select
from support.world import SAMPLE, imported

from scheduler import store
from scheduler.services import accounts
from scheduler.services.accounts import AccountError

NOW = SAMPLE.now


def team_id(session, key: str = "checkout") -> int:
    return session.scalar(select(store.TeamRow.id).where(store.TeamRow.key == key))


def person_id(session, key: str) -> int:
    return session.scalar(select(store.PersonRow.id).where(store.PersonRow.key == key))


def test_passwords_are_hashed_and_checked():
    hashed = accounts.hash_password("correct horse")
    assert "correct horse" not in hashed
    assert hashed != accounts.hash_password("correct horse")  # salted
    assert accounts.check_password(hashed, "correct horse")
    assert not accounts.check_password(hashed, "correct horsf")
    assert not accounts.check_password(None, "anything")


def test_add_user_stores_only_a_hash_and_authenticates(sessions):
    imported(sessions)
    with sessions.begin() as session:
        user = accounts.add_user(
            session, "ada", "s3cret-pass", person_key="ada", actor="admin", now=NOW
        )
        assert user.person.key == "ada" and not user.is_admin
    with sessions() as session:
        row = session.scalars(select(store.UserRow)).one()
        assert row.password_hash and "s3cret-pass" not in row.password_hash
        assert accounts.authenticate(session, "ada", "s3cret-pass").id == row.id
        assert accounts.authenticate(session, "ada", "wrong") is None
        assert accounts.authenticate(session, "nobody", "s3cret-pass") is None
        audit = session.scalars(
            select(store.AuditRow).where(store.AuditRow.action == "user.create")
        ).one()
        assert "s3cret-pass" not in str(audit.after) and audit.after["person"] == "ada"


def test_an_account_without_a_password_cannot_sign_in_with_one(sessions):
    with sessions.begin() as session:
        accounts.add_user(session, "sso-user", None, actor="admin", now=NOW)
    with sessions() as session:
        assert accounts.authenticate(session, "sso-user", "") is None
        assert accounts.authenticate(session, "sso-user", "guess") is None


def test_roles_managers_and_admins(sessions):
    imported(sessions)
    with sessions.begin() as session:
        accounts.add_user(session, "lead", "pw-lead-1", manages=["checkout"], actor="a", now=NOW)
        accounts.add_user(session, "root", "pw-root-1", is_admin=True, actor="a", now=NOW)
        accounts.add_user(session, "eng", "pw-eng-12", person_key="ken", actor="a", now=NOW)
    with sessions() as session:
        team = team_id(session)
        users = {u.username: u for u in session.scalars(select(store.UserRow))}
        assert accounts.manages(users["lead"], team)
        assert not accounts.manages(users["lead"], team + 1)
        assert accounts.manages(users["root"], team + 1)
        assert not accounts.manages(users["eng"], team)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "ada"}, "already exists"),
        ({"username": "new", "person_key": "zed"}, "no person 'zed'"),
        ({"username": "new", "manages": ["nope"]}, "no team 'nope'"),
        ({"username": "bad name"}, "username"),
        ({"username": "new", "password": ""}, "empty"),
    ],
)
def test_add_user_refuses_bad_requests_and_changes_nothing(sessions, fields, message):
    imported(sessions)
    with sessions.begin() as session:
        accounts.add_user(session, "ada", "pw-ada-123", actor="a", now=NOW)
    request = {"password": "pw-12345678", **fields}
    with pytest.raises(AccountError, match=message), sessions.begin() as session:
        accounts.add_user(session, actor="a", now=NOW, **request)
    with sessions() as session:
        assert session.scalars(select(store.UserRow.username)).all() == ["ada"]


def test_set_password_replaces_the_old_one(sessions):
    with sessions.begin() as session:
        accounts.add_user(session, "ada", "first-password", actor="a", now=NOW)
    with sessions.begin() as session:
        accounts.set_password(session, "ada", "second-password", actor="a", now=NOW)
    with sessions() as session:
        assert accounts.authenticate(session, "ada", "first-password") is None
        assert accounts.authenticate(session, "ada", "second-password") is not None


def test_tokens_have_at_least_128_bits_and_only_their_digest_is_stored(sessions):
    imported(sessions)
    with sessions.begin() as session:
        ada = person_id(session, "ada")
        tokens = [accounts.issue_token(session, "feed", person_id=ada, now=NOW) for _ in range(50)]
    assert len(set(tokens)) == 50
    for token in tokens:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert len(raw) * 8 >= 128
    with sessions() as session:
        rows = session.scalars(select(store.TokenRow)).all()
        stored = {r.digest for r in rows}
        assert stored == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
        for row in rows:  # the plaintext is in no column
            values = [str(getattr(row, c)) for c in store.TokenRow.__table__.columns.keys()]
            assert not any(t in v for t in tokens for v in values)


def test_lookup_resolves_live_tokens_of_the_right_kind_only(sessions):
    imported(sessions)
    with sessions.begin() as session:
        ada = person_id(session, "ada")
        user = accounts.add_user(session, "ada", "pw-ada-123", person_key="ada", actor="a", now=NOW)
        feed = accounts.issue_token(session, "feed", person_id=ada, now=NOW)
        api = accounts.issue_token(session, "api", user_id=user.id, now=NOW)
    with sessions() as session:
        assert accounts.lookup_token(session, "feed", feed).person_id == ada
        assert accounts.lookup_token(session, "api", api).user_id == user.id
        assert accounts.lookup_token(session, "api", feed) is None
        assert accounts.lookup_token(session, "feed", api) is None
        assert accounts.lookup_token(session, "feed", feed[:-1]) is None
        assert accounts.lookup_token(session, "feed", "") is None


def test_rotating_revokes_the_old_feed_token(sessions):
    imported(sessions)
    with sessions.begin() as session:
        team = team_id(session)
        old = accounts.issue_token(session, "feed", team_id=team, now=NOW)
    with sessions.begin() as session:
        new = accounts.rotate_feed_token(session, team_id=team, now=NOW)
    assert new != old
    with sessions() as session:
        assert accounts.lookup_token(session, "feed", old) is None
        assert accounts.lookup_token(session, "feed", new).team_id == team
        assert [t.digest for t in accounts.active_tokens(session, "feed", team_id=team)] == [
            accounts.digest(new)
        ]
        revoked = session.scalar(
            select(store.TokenRow).where(store.TokenRow.digest == accounts.digest(old))
        )
        assert revoked.revoked_at == NOW
    with sessions.begin() as session:
        accounts.revoke_token(session, accounts.lookup_token(session, "feed", new).id, now=NOW)
    with sessions() as session:
        assert accounts.lookup_token(session, "feed", new) is None


@pytest.mark.parametrize(
    "subject",
    [
        {"kind": "feed"},
        {"kind": "feed", "person_id": 1, "team_id": 1},
        {"kind": "api"},
        {"kind": "x"},
    ],
)
def test_a_token_needs_exactly_its_subject(sessions, subject):
    with pytest.raises(AccountError), sessions.begin() as session:
        accounts.issue_token(session, now=NOW, **subject)
