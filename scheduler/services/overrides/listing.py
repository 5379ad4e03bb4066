"""Which overrides people and pages see, and who could cover a range of a shift."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from scheduler.domain.guard import GuardVerdict
from scheduler.domain.model import PENDING_SWAPS, PlanState, SwapStatus
from scheduler.services.overrides.apply import guard, judge
from scheduler.services.swaps.check import Board
from scheduler.store import (
    AssignmentRow,
    ManagerRow,
    OverrideRow,
    PersonRow,
    PlanRow,
    TeamRow,
    UserRow,
)


def accepted_of(row: AssignmentRow) -> list[OverrideRow]:
    """Return the accepted overrides of an assignment, in time order."""
    return [o for o in row.overrides if o.status == SwapStatus.ACCEPTED]


def pending_for(
    session: Session, person_id: int | None, manager_user_id: int | None = None
) -> list[OverrideRow]:
    """Return the pending overrides of published plans a person is part of (holder or cover),
    and those awaiting approval by this manager (admins: every team's), by start."""
    visible = []
    if person_id is not None:
        visible += [OverrideRow.holder_id == person_id, OverrideRow.cover_id == person_id]
    user = session.get(UserRow, manager_user_id) if manager_user_id is not None else None
    if user is not None:
        waiting = OverrideRow.status == SwapStatus.AWAITING_APPROVAL
        if user.is_admin:
            visible.append(waiting)
        else:
            managed = select(ManagerRow.team_id).where(ManagerRow.user_id == user.id)
            visible.append(waiting & AssignmentRow.team_id.in_(managed))
    if not visible:
        return []
    query = (
        select(OverrideRow)
        .join(AssignmentRow, OverrideRow.assignment_id == AssignmentRow.id)
        .join(PlanRow, AssignmentRow.plan_id == PlanRow.id)
        .where(
            OverrideRow.status.in_(PENDING_SWAPS),
            PlanRow.state == PlanState.PUBLISHED,
            or_(*visible),
        )
        .order_by(OverrideRow.start, OverrideRow.id)
    )
    return list(session.scalars(query))


def visible_overrides(
    session: Session,
    org_id: int,
    person_id: int | None,
    managed_team_ids: Collection[int],
    status: str | None = None,
    limit: int = 500,
) -> list[OverrideRow]:
    """Return the org's overrides a viewer may see, newest first, at most `limit`: those of the
    teams they manage and those their person holds or covers; only `status` when given."""
    visible = [AssignmentRow.team_id.in_(list(managed_team_ids))] if managed_team_ids else []
    if person_id is not None:
        visible += [OverrideRow.holder_id == person_id, OverrideRow.cover_id == person_id]
    if not visible:
        return []
    query = (
        select(OverrideRow)
        .join(AssignmentRow, OverrideRow.assignment_id == AssignmentRow.id)
        .join(TeamRow, AssignmentRow.team_id == TeamRow.id)
        .where(TeamRow.org_id == org_id, or_(*visible))
        .order_by(OverrideRow.created_at.desc(), OverrideRow.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(OverrideRow.status == status)
    return list(session.scalars(query))


def covers_of_rows(session: Session, person_id: int, start: datetime | None = None):
    """Return the accepted overrides a person covers in published plans, ending after `start`,
    in time order."""
    query = (
        select(OverrideRow)
        .join(AssignmentRow, OverrideRow.assignment_id == AssignmentRow.id)
        .join(PlanRow, AssignmentRow.plan_id == PlanRow.id)
        .where(
            OverrideRow.cover_id == person_id,
            OverrideRow.status == SwapStatus.ACCEPTED,
            PlanRow.state == PlanState.PUBLISHED,
        )
        .order_by(OverrideRow.start, OverrideRow.id)
    )
    if start is not None:
        query = query.where(OverrideRow.end > start)
    return list(session.scalars(query))


def eligible_covers(
    session: Session, row: AssignmentRow, start: datetime, end: datetime
) -> list[PersonRow]:
    """Return the active members of the shift's team who could cover `[start, end)` of it
    without breaking a rule (the rulebook judges the pieces), by name.

    The range itself is not checked here (`apply.check_fits` does that).
    """
    board = Board(session, [row])
    taken = {o.cover_id for o in accepted_of(row) if o.start < end and start < o.end}
    found = []
    for membership in row.team.memberships:
        person = membership.person
        if not person.active or person.id == row.person_id or person.id in taken:
            continue
        if not judge(board, row, start, end, person.key):
            found.append(person)
    return sorted(found, key=lambda p: (p.name, p.key))


def guard_covers(
    session: Session, row: AssignmentRow, start: datetime, end: datetime, people: list[PersonRow]
) -> dict[int, GuardVerdict]:
    """Return, by person id, what each of `people` covering `[start, end)` of the shift does to
    the team's max load ratio, and whether the fairness guard would hold it for a manager
    (docs/fairness.md#the-fairness-guard)."""
    board = Board(session, [row])
    return {p.id: guard(session, row, start, end, p.key, board) for p in people}
