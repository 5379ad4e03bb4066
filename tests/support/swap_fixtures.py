"""What the swap tests look at: weeks and holders of shifts, snapshots, leave, the rulebook.

The tests store the `SWAPS` scenario of support.world: Ops (primary, secondary, a week's rest,
trainee Tia) and DB (primary; Ana is on both), four weeks planned and published.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.domain import rules
from scheduler.store import AssignmentRow, AuditRow, PlanRow, SwapRow, TimeOffRow, problem_for_plan
from support.world import START, World, shifts


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
