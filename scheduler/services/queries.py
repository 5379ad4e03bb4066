"""Reads the pages and the API share: published shifts, leave, a user's orgs, a person by key."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from scheduler.store import (
    AssignmentRow,
    ManagerRow,
    OrgRow,
    PersonRow,
    TeamRow,
    TimeOffRow,
    UserRow,
    published,
)


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


def orgs_of(session: Session, user: UserRow | None) -> list[OrgRow]:
    """Return the orgs a user may see, in order of import: every org for an admin; else the
    org of their person and the orgs of the teams they manage; none for nobody.

    The user's own person's org comes first, so it is the one their pages show.
    """
    if user is None:
        return []
    if user.is_admin:
        return list(session.scalars(select(OrgRow).order_by(OrgRow.id)))
    managed = managed_org_ids(session, user)
    rows = list(session.scalars(select(OrgRow).where(OrgRow.id.in_(managed)).order_by(OrgRow.id)))
    own = user.person.org if user.person is not None else None
    return ([own] if own is not None else []) + [o for o in rows if own is None or o.id != own.id]


def managed_org_ids(session: Session, user: UserRow) -> list[int]:
    """Return the ids of the orgs of the teams a user manages (their managers' audit log)."""
    query = (
        select(TeamRow.org_id)
        .join(ManagerRow, ManagerRow.team_id == TeamRow.id)
        .where(ManagerRow.user_id == user.id)
        .distinct()
    )
    return sorted(session.scalars(query))


def active_person(session: Session, org_id: int, key: str) -> PersonRow | None:
    """Return the org's active person with this key (the id in the org file), or None."""
    return session.scalar(
        select(PersonRow).where(
            PersonRow.org_id == org_id, PersonRow.key == key, PersonRow.active.is_(True)
        )
    )
