"""Which swaps a person or a manager sees: to answer, to approve, or through the API."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from scheduler.domain.model import PENDING_SWAPS, PlanState, SwapStatus
from scheduler.store import (
    AssignmentRow,
    ManagerRow,
    MembershipRow,
    PlanRow,
    SwapRow,
    TeamRow,
    UserRow,
)


def open_swaps_for(session: Session, person_id: int, now: datetime | None = None) -> list[SwapRow]:
    """Return the pending swaps a person made, was offered, may take (open offers), or accepted.

    With `now`, only swaps of shifts that have not started yet; in order of the shifts' starts.
    """
    teams = select(MembershipRow.team_id).where(MembershipRow.person_id == person_id)
    query = (
        select(SwapRow)
        .join(AssignmentRow, SwapRow.assignment_id == AssignmentRow.id)
        .join(PlanRow, AssignmentRow.plan_id == PlanRow.id)
        .where(
            SwapRow.status.in_(PENDING_SWAPS),
            PlanRow.state == PlanState.PUBLISHED,
            or_(
                SwapRow.from_person_id == person_id,
                SwapRow.to_person_id == person_id,
                SwapRow.accepted_by_id == person_id,
                and_(
                    SwapRow.to_person_id.is_(None),
                    SwapRow.status == SwapStatus.OPEN,
                    AssignmentRow.team_id.in_(teams),
                ),
            ),
        )
        .order_by(AssignmentRow.start, SwapRow.id)
    )
    if now is not None:
        query = query.where(AssignmentRow.start > now)
    return list(session.scalars(query))


def awaiting_approval_for(session: Session, manager_user_id: int) -> list[SwapRow]:
    """Return the swaps waiting for this manager (an admin sees every team's), by shift start."""
    user = session.get(UserRow, manager_user_id)
    if user is None:
        return []
    query = (
        select(SwapRow)
        .join(AssignmentRow, SwapRow.assignment_id == AssignmentRow.id)
        .where(SwapRow.status == SwapStatus.AWAITING_APPROVAL)
        .order_by(AssignmentRow.start, SwapRow.id)
    )
    if not user.is_admin:
        managed = select(ManagerRow.team_id).where(ManagerRow.user_id == user.id)
        query = query.where(AssignmentRow.team_id.in_(managed))
    return list(session.scalars(query))


def visible_swaps(
    session: Session,
    org_id: int,
    person_id: int | None,
    managed_team_ids: Collection[int],
    status: str | None = None,
    limit: int = 500,
) -> list[SwapRow]:
    """Return the org's swaps a viewer may see, newest first, at most `limit`.

    Those of the teams they manage, and those their person made, was offered, accepted, or may
    take (open offers in their teams); only swaps in `status` when given.
    """
    visible = [AssignmentRow.team_id.in_(list(managed_team_ids))] if managed_team_ids else []
    if person_id is not None:
        teams = select(MembershipRow.team_id).where(MembershipRow.person_id == person_id)
        visible += [
            SwapRow.from_person_id == person_id,
            SwapRow.to_person_id == person_id,
            SwapRow.accepted_by_id == person_id,
            and_(SwapRow.to_person_id.is_(None), AssignmentRow.team_id.in_(teams)),
        ]
    if not visible:
        return []
    query = (
        select(SwapRow)
        .join(AssignmentRow, SwapRow.assignment_id == AssignmentRow.id)
        .join(TeamRow, AssignmentRow.team_id == TeamRow.id)
        .where(TeamRow.org_id == org_id, or_(*visible))
        .order_by(SwapRow.created_at.desc(), SwapRow.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(SwapRow.status == status)
    return list(session.scalars(query))
