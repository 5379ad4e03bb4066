"""The audit log: who changed what, when, with the values before and after."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.store import AuditRow


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    now: datetime,
    *,
    org_id: int | None = None,
) -> None:
    """Add one audit entry to the session (the caller's transaction commits it).

    `org_id` names the org the change belongs to, whose managers may read it; without one,
    only admins see the entry.
    """
    session.add(
        AuditRow(
            at=now,
            actor=actor[:100],
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            before=jsonable(before),
            after=jsonable(after),
            org_id=org_id,
        )
    )


def recent(
    session: Session,
    limit: int = 100,
    entity: str | None = None,
    entity_id=None,
    org_ids: list[int] | None = None,
) -> list[AuditRow]:
    """Return the newest entries first, optionally of one entity; of these orgs only when
    `org_ids` is given (None: every entry, for admins)."""
    query = select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
    if org_ids is not None:
        query = query.where(AuditRow.org_id.in_(org_ids))
    if entity is not None:
        query = query.where(AuditRow.entity == entity)
    if entity_id is not None:
        query = query.where(AuditRow.entity_id == str(entity_id))
    return list(session.scalars(query))


def jsonable(value: Any) -> Any:
    """Turn dates, times, tuples and sets into JSON values (ISO 8601 text, lists)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
