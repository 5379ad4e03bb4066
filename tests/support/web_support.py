"""A tiny two-team org with a published plan and users of every role, for the web tests.

Ops (five people, one of them named like a script tag) and DB (three) each carry a weekly
primary; two weeks from Monday 2027-01-04 are planned and published, and the clock stands on
the Tuesday of the first week: the first week is running, the second still ahead.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select

from scheduler.domain.model import Org
from scheduler.services import accounts, importer, planning
from scheduler.store import AssignmentRow, PersonRow, TeamRow
from support.builders import FAST, make_person, make_team

START = date(2027, 1, 4)
WEEKS = 2
NOW = datetime(2027, 1, 5, 12, tzinfo=UTC)
EVIL = "<script>alert(1)</script>"
PASSWORD = "password123"
OPS = ("ana", "ben", "cat", "dan", "evil")
DB = ("olga", "pia", "quinn")


def web_org() -> Org:
    """Build the org: names and a team name that are markup, to prove pages escape them."""
    people = tuple(
        make_person(p, name=EVIL if p == "evil" else p.title(), timezone="Europe/Berlin")
        for p in OPS + DB
    )
    teams = (
        make_team("ops", OPS, name="Ops <i>core</i>", runbook="javascript:alert(2)"),
        make_team("db", DB, name="DB"),
    )
    return Org(name="Web Test Org", timezone="UTC", people=people, teams=teams)


@dataclass(frozen=True)
class World:
    org_id: int
    plan_id: int
    people: dict[str, int]  # person key -> id
    teams: dict[str, int]  # team key -> id


def build_world(sessions) -> World:
    """Import the org, plan and publish two weeks, add a user per person and per role."""
    with sessions.begin() as session:
        org_id = importer.import_org(session, web_org(), "test", NOW).org_id
        made = planning.generate(session, org_id, START, WEEKS, FAST, "test", NOW)
        assert made.plan is not None, made.explanation
        planning.publish(session, made.plan.id, "test", NOW)
        people = dict(session.execute(select(PersonRow.key, PersonRow.id)).all())
        teams = dict(session.execute(select(TeamRow.key, TeamRow.id)).all())
        users = {key: {"person_key": key} for key in people}
        users.update(
            opsboss={"manages": ("ops",)},
            dbboss={"manages": ("db",)},
            admin={"is_admin": True},
            nobody={},
        )
        for name, fields in users.items():
            user = accounts.add_user(session, name, None, actor="test", now=NOW, **fields)
            user.password_hash = password_hash()  # hashing once keeps the fixture fast
    return World(org_id, made.plan.id, people, teams)


@functools.cache
def password_hash() -> str:
    return accounts.hash_password(PASSWORD)


def shift_of(sessions, team: str, week: int, world: World) -> AssignmentRow:
    """Return the published primary shift of a team in week 0 or 1 of the plan."""
    with sessions() as session:
        rows = session.scalars(
            select(AssignmentRow)
            .where(
                AssignmentRow.plan_id == world.plan_id,
                AssignmentRow.team_id == world.teams[team],
            )
            .order_by(AssignmentRow.start)
        ).all()
        row = rows[week]
        session.expunge(row)
        return row


def holder(sessions, assignment_id: int) -> int:
    with sessions() as session:
        return session.get(AssignmentRow, assignment_id).person_id


def key_of(world: World, person_id: int) -> str:
    return next(k for k, v in world.people.items() if v == person_id)


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


def page_csrf(html: str) -> str | None:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return found.group(1) if found else None
