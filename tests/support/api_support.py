"""A published plan, users and tokens in the test database, and the app that serves them.

Shared by the feed, API and fuzz tests: data/team.yaml imported, three weeks from Monday
2027-01-04 planned and published, the clock frozen on the Tuesday of the first week.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from scheduler.domain.orgfile import load_org
from scheduler.services import accounts, importer, planning
from scheduler.store import AssignmentRow, PersonRow, TeamRow
from support.builders import FAST

ROOT = Path(__file__).resolve().parents[2]
START = date(2027, 1, 4)
NOW = datetime(2027, 1, 5, 12, 0, tzinfo=UTC)


@dataclass
class World:
    """Ids and plaintext tokens of the seeded data."""

    org_id: int
    plan_id: int
    team_id: int
    people: dict[str, int]  # person key -> id
    api: dict[str, str] = field(default_factory=dict)  # username -> API token
    person_feeds: dict[str, str] = field(default_factory=dict)  # person key -> feed token
    team_feed: str = ""


def seed(sessions, weeks: int = 3) -> World:
    """Import the one-team sample org, plan and publish, add users and tokens."""
    with sessions.begin() as session:
        result = importer.import_org(session, load_org(ROOT / "data" / "team.yaml"), "test", NOW)
        generated = planning.generate(session, result.org_id, START, weeks, FAST, "test", NOW)
        assert generated.plan is not None, generated.explanation
        planning.publish(session, generated.plan.id, "test", NOW)
        team = session.scalars(select(TeamRow).where(TeamRow.org_id == result.org_id)).one()
        people = {
            p.key: p.id
            for p in session.scalars(select(PersonRow).where(PersonRow.org_id == result.org_id))
        }
        world = World(result.org_id, generated.plan.id, team.id, people)
        users = {key: {"person_key": key} for key in people}
        users["manager"] = {"manages": ("checkout",)}
        users["admin"] = {"is_admin": True}
        users["nobody"] = {}
        for name, fields in users.items():
            # Only Ada signs in with a password (hashing one is slow on purpose).
            password = "password123" if name == "ada" else None
            user = accounts.add_user(session, name, password, actor="test", now=NOW, **fields)
            world.api[name] = accounts.issue_token(session, "api", user_id=user.id, now=NOW)
        for key, person_id in people.items():
            world.person_feeds[key] = accounts.issue_token(
                session, "feed", person_id=person_id, now=NOW
            )
        world.team_feed = accounts.issue_token(session, "feed", team_id=team.id, now=NOW)
    return world


def shifts(session, plan_id: int) -> list[AssignmentRow]:
    """Return the plan's assignments in time order, primary before secondary."""
    rows = session.scalars(
        select(AssignmentRow).where(AssignmentRow.plan_id == plan_id).order_by(AssignmentRow.start)
    ).all()
    return sorted(rows, key=lambda a: (a.start, a.role != "primary"))
