"""A small org with a published plan in a fresh database, for the swap tests.

The org goes in through `importer.import_org` and the plan through `planning.generate` and
`publish`, as in the app. Tests pick shifts and people by what the plan says (who holds which
week), never by which exact solution the solver found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from scheduler.domain import rules
from scheduler.domain.model import Org, Trainee
from scheduler.services.importer import import_org
from scheduler.services.planning import generate, publish
from scheduler.store import (
    AssignmentRow,
    AuditRow,
    PersonRow,
    PlanRow,
    SwapRow,
    TeamRow,
    TimeOffRow,
    problem_for_plan,
)
from support.builders import FAST, make_person, make_team

START = date(2027, 1, 4)  # a Monday; handoffs are Mondays 09:00 UTC
WEEKS = 4
NOW = datetime(2027, 1, 3, 12, tzinfo=UTC)  # the Sunday before: every shift is still ahead
OPS = ("ana", "ben", "cat", "dan", "eve", "fay", "gus", "tia")
DB = ("olga", "pia", "quinn", "ana")  # Ana is on both rotations


def swap_org() -> Org:
    """Build Ops (primary, secondary, a week's rest, trainee Tia) and DB (primary; Ana too)."""
    people = tuple(
        make_person(p, trainee=Trainee(shadows=1, secondaries=1) if p == "tia" else None)
        for p in dict.fromkeys(OPS + DB)
    )
    teams = (
        make_team(
            "ops", OPS, roles=("primary", "secondary"), min_roster=4, min_rest=timedelta(days=7)
        ),
        make_team("db", DB, name="DB", roles=("primary",), min_roster=2),
    )
    return Org(name="Swap Test Org", timezone="UTC", people=people, teams=teams)


@dataclass(frozen=True)
class World:
    """The ids of what `build_world` stored."""

    org_id: int
    plan_id: int
    people: dict[str, int]  # person key -> id
    teams: dict[str, int]  # team key -> id

    def key_of(self, person_id: int) -> str:
        return next(k for k, v in self.people.items() if v == person_id)


def build_world(sessions: sessionmaker, start: date = START, weeks: int = WEEKS) -> World:
    """Import the org, plan and publish `weeks` from `start`, commit; return the ids."""
    with sessions.begin() as session:
        org_id = import_org(session, swap_org(), "test", NOW).org_id
        plan_id = publish_plan(session, org_id, start, weeks)
        people = dict(session.execute(select(PersonRow.key, PersonRow.id)).all())
        teams = dict(session.execute(select(TeamRow.key, TeamRow.id)).all())
    return World(org_id, plan_id, people, teams)


def publish_plan(session: Session, org_id: int, start: date, weeks: int) -> int:
    generated = generate(session, org_id, start, weeks, FAST, "test", NOW)
    assert generated.plan is not None, generated.explanation
    return publish(session, generated.plan.id, "test", NOW).id


def shifts(
    session: Session, world: World, team: str = "ops", role: str | None = None, plan_id=None
) -> list[AssignmentRow]:
    """Return the plan's assignments of a team (and role), in time order."""
    query = (
        select(AssignmentRow)
        .where(
            AssignmentRow.plan_id == (plan_id or world.plan_id),
            AssignmentRow.team_id == world.teams[team],
        )
        .order_by(AssignmentRow.start, AssignmentRow.role)
    )
    if role is not None:
        query = query.where(AssignmentRow.role == role)
    return list(session.scalars(query))


def week(row: AssignmentRow, start: date = START) -> int:
    """Return the week of the horizon a shift starts in, from 0."""
    return (row.start.date() - start).days // 7


def holders(session: Session, world: World, team: str, week_index: int) -> set[int]:
    """Return who holds any role of a team's shift in a week."""
    return {r.person_id for r in shifts(session, world, team) if week(r) == week_index}


def snapshot(session: Session) -> tuple:
    """Capture everything a swap may change: assignments, swaps and the audit log."""
    assignments = session.execute(
        select(AssignmentRow.id, AssignmentRow.person_id, AssignmentRow.revision).order_by(
            AssignmentRow.id
        )
    ).all()
    swaps = session.execute(
        select(SwapRow.id, SwapRow.status, SwapRow.accepted_by_id).order_by(SwapRow.id)
    ).all()
    audit_entries = session.scalar(select(func.count()).select_from(AuditRow))
    return tuple(assignments), tuple(swaps), audit_entries


def add_leave(session: Session, person_id: int, row: AssignmentRow) -> None:
    """Give someone leave over a shift's whole span (entered after the plan was published)."""
    session.add(
        TimeOffRow(person_id=person_id, kind="leave", start=row.start, end=row.end, source="web")
    )


def violations(session: Session, plan_id: int) -> list[rules.Violation]:
    """Run the rulebook on a stored plan."""
    return rules.check(*problem_for_plan(session, session.get(PlanRow, plan_id)))


def one_person_per_shift_role(session: Session) -> bool:
    """Tell whether every (plan, team, start, role) has exactly one assignment row."""
    counts = session.execute(
        select(func.count())
        .select_from(AssignmentRow)
        .group_by(
            AssignmentRow.plan_id, AssignmentRow.team_id, AssignmentRow.start, AssignmentRow.role
        )
    ).scalars()
    return all(c == 1 for c in counts)
