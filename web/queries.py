"""Reads the pages share: published shifts and leave in a range (views never write SQL)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scheduler.store import AssignmentRow, MembershipRow, PlanRow, TimeOffRow


def published_shifts(
    session: Session,
    org_id: int,
    *,
    team_id: int | None = None,
    person_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[AssignmentRow]:
    """Return published assignments overlapping `[start, end)`, in time order."""
    query = (
        select(AssignmentRow)
        .join(PlanRow)
        .where(PlanRow.org_id == org_id, PlanRow.state == "published")
        .options(selectinload(AssignmentRow.person), selectinload(AssignmentRow.team))
        .order_by(AssignmentRow.start, AssignmentRow.team_id, AssignmentRow.id)
    )
    if team_id is not None:
        query = query.where(AssignmentRow.team_id == team_id)
    if person_id is not None:
        query = query.where(AssignmentRow.person_id == person_id)
    if start is not None:
        query = query.where(AssignmentRow.end > start)
    if end is not None:
        query = query.where(AssignmentRow.start < end)
    return list(session.scalars(query))


def time_off(
    session: Session,
    person_ids,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    kinds: tuple[str, ...] = ("leave",),
) -> list[TimeOffRow]:
    """Return leave (or avoid requests) of these people overlapping `[start, end)`."""
    query = (
        select(TimeOffRow)
        .where(TimeOffRow.person_id.in_(list(person_ids)), TimeOffRow.kind.in_(kinds))
        .options(selectinload(TimeOffRow.person))
        .order_by(TimeOffRow.start, TimeOffRow.id)
    )
    if start is not None:
        query = query.where(TimeOffRow.end > start)
    if end is not None:
        query = query.where(TimeOffRow.start < end)
    return list(session.scalars(query))


def team_ids_of(session: Session, person_id: int) -> set[int]:
    return set(
        session.scalars(select(MembershipRow.team_id).where(MembershipRow.person_id == person_id))
    )
