"""Small orgs in the test database: imported, planned and published, with accounts and tokens.

A suite names a `Scenario` (which org, how many weeks from START, the time it all happens and
where its clock starts, which accounts) and `build_world` stores it. Tests pick shifts and people
by what the plan says (who holds which week), never by which solution the solver found.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scheduler.domain.model import Org
from scheduler.services import accounts
from scheduler.services.importer import import_org
from scheduler.services.planning import generate, publish
from scheduler.store import AssignmentRow, PersonRow, TeamRow
from support.builders import FAST, build_small_team_org, swap_org, team_org, web_org

START = date(2027, 1, 4)  # a Monday: every rotation here hands off on Mondays 09:00
PASSWORD = "password123"  # every account's


@dataclass(frozen=True)
class Scenario:
    """What `build_world` stores: an org, `weeks` planned from START at `now`, the accounts."""

    org: Callable[[], Org]
    weeks: int
    now: datetime
    # Accounts besides one per person (username = person key), with their fields for
    # `accounts.add_user`; None: no accounts at all.
    accounts: Mapping[str, Mapping[str, Any]] | None = None
    tokens: bool = False  # an API token per account, a feed token per person and per team


# data/team.yaml a month ahead of the plan: every shift is still to come.
SAMPLE = Scenario(team_org, weeks=3, now=datetime(2026, 12, 1, 12, tzinfo=UTC))
# data/team.yaml on the Tuesday of the first of three weeks, with API and feed tokens.
API = Scenario(
    team_org,
    weeks=3,
    now=datetime(2027, 1, 5, 12, tzinfo=UTC),
    accounts={"manager": {"manages": ("checkout",)}, "admin": {"is_admin": True}, "nobody": {}},
    tokens=True,
)
# The web org on the Tuesday of the first of two weeks: week 0 is running, week 1 ahead.
PAGES = Scenario(
    web_org,
    weeks=2,
    now=datetime(2027, 1, 5, 12, tzinfo=UTC),
    accounts={
        "opsboss": {"manages": ("ops",)},
        "dbboss": {"manages": ("db",)},
        "admin": {"is_admin": True},
        "nobody": {},
    },
)
# The swap org on the Sunday before the first of four weeks: every shift is ahead.
SWAPS = Scenario(swap_org, weeks=4, now=datetime(2027, 1, 3, 12, tzinfo=UTC))
# Four on one weekly primary rotation for eight weeks, on its second day: every rotation is
# healthy (two weeks of eight each, nobody above the 25% on-call guidance, no gap, weeks ahead).
HEALTHY = Scenario(
    lambda: build_small_team_org(4, name="Healthy Org"),
    weeks=8,
    now=datetime(2027, 1, 5, 12, tzinfo=UTC),
)


@dataclass(frozen=True)
class World:
    """The ids of what `build_world` stored, and the plaintext tokens it issued."""

    org_id: int
    plan_id: int
    people: dict[str, int]  # person key -> id
    teams: dict[str, int]  # team key -> id
    api: dict[str, str] = field(default_factory=dict)  # username -> API token
    person_feeds: dict[str, str] = field(default_factory=dict)  # person key -> feed token
    team_feeds: dict[str, str] = field(default_factory=dict)  # team key -> feed token

    def key_of(self, person_id: int) -> str:
        """Return the key of the person with this id."""
        return next(k for k, v in self.people.items() if v == person_id)


def build_world(sessions: sessionmaker, scenario: Scenario) -> World:
    """Import the org, plan and publish its weeks, add accounts and tokens, commit; return ids."""
    now = scenario.now
    with sessions.begin() as session:
        org_id = import_org(session, scenario.org(), "test", now).org_id
        plan_id = publish_plan(session, org_id, START, scenario.weeks, now)
        people = _keys(session, PersonRow, org_id)
        teams = _keys(session, TeamRow, org_id)
        world = World(org_id, plan_id, people, teams)
        if scenario.accounts is not None:
            _add_accounts(session, world, scenario)
    return world


def _keys(session: Session, row_type, org_id: int) -> dict[str, int]:
    rows = select(row_type.key, row_type.id).where(row_type.org_id == org_id)
    return dict(session.execute(rows).all())


def _add_accounts(session: Session, world: World, scenario: Scenario) -> None:
    """Add an account per person and the scenario's others; issue tokens if it asks."""
    now, issue = scenario.now, accounts.issue_token
    users = {key: {"person_key": key} for key in world.people} | dict(scenario.accounts or {})
    for name, fields in users.items():
        user = accounts.add_user(session, name, None, actor="test", now=now, **fields)
        user.password_hash = password_hash()  # hashing once keeps the fixture fast
        if scenario.tokens:
            world.api[name] = issue(session, "api", user_id=user.id, now=now)
    if scenario.tokens:
        for key, person_id in world.people.items():
            world.person_feeds[key] = issue(session, "feed", person_id=person_id, now=now)
        for key, team_id in world.teams.items():
            world.team_feeds[key] = issue(session, "feed", team_id=team_id, now=now)


@functools.cache
def password_hash() -> str:
    """Hash PASSWORD once per test run (hashing is slow on purpose)."""
    return accounts.hash_password(PASSWORD)


def imported(sessions: sessionmaker, org: Org | None = None, now: datetime = SAMPLE.now) -> int:
    """Import an org (data/team.yaml by default), commit, and return the org's id."""
    with sessions.begin() as session:
        return import_org(session, org or team_org(), "test", now).org_id


def publish_plan(session: Session, org_id: int, start: date, weeks: int, now: datetime) -> int:
    """Plan `weeks` from `start` and publish the plan; return its id."""
    generated = generate(session, org_id, start, weeks, FAST, "test", now)
    assert generated.plan is not None, generated.explanation
    return publish(session, generated.plan.id, "test", now).id


def shifts(
    session: Session,
    world: World,
    team: str | None = None,
    role: str | None = None,
    plan_id: int | None = None,
) -> list[AssignmentRow]:
    """Return a plan's assignments (of a team, of a role) in time order, primary first."""
    query = (
        select(AssignmentRow)
        .where(AssignmentRow.plan_id == (plan_id or world.plan_id))
        .order_by(AssignmentRow.start, AssignmentRow.team_id, AssignmentRow.role)
    )
    if team is not None:
        query = query.where(AssignmentRow.team_id == world.teams[team])
    if role is not None:
        query = query.where(AssignmentRow.role == role)
    return list(session.scalars(query))


def shift_of(sessions: sessionmaker, team: str, week: int, world: World) -> AssignmentRow:
    """Return a team's `week`-th published shift (of a primary-only rotation), detached."""
    with sessions() as session:
        row = shifts(session, world, team)[week]
        session.expunge(row)
        return row
