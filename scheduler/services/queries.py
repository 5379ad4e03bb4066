"""Reads the pages and the API share: published shifts, leave, the default org, a person by key."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scheduler.store import AssignmentRow, OrgRow, PersonRow, TimeOffRow, published


def published_shifts(
    session: Session,
    org_id: int,
    *,
    team_id: int | None = None,
    person_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[AssignmentRow]:
    """Return the org's published assignments overlapping `[start, end)`, in time order.

    Narrowed to one team or one person when given; an open end means no bound on that side.
    """
    query = published(org_id, team_id=team_id, person_id=person_id, start=start, end=end)
    query = query.options(selectinload(AssignmentRow.person), selectinload(AssignmentRow.team))
    return list(session.scalars(query))


def time_off(
    session: Session,
    person_ids: Iterable[int],
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    kinds: tuple[str, ...] = ("leave",),
) -> list[TimeOffRow]:
    """Return leave (or avoid requests, by `kinds`) of these people overlapping `[start, end)`.

    In order of start; an open end means no bound on that side.
    """
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


def first_org(session: Session) -> OrgRow | None:
    """Return the first org imported, or None before any."""
    return session.scalars(select(OrgRow).order_by(OrgRow.id).limit(1)).first()


def active_person(session: Session, org_id: int, key: str) -> PersonRow | None:
    """Return the org's active person with this key (the id in the org file), or None."""
    return session.scalar(
        select(PersonRow).where(
            PersonRow.org_id == org_id, PersonRow.key == key, PersonRow.active.is_(True)
        )
    )
