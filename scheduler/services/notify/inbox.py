"""What the pages read and change: a user's notifications, unread counts, failing deliveries.

A user's notifications are those addressed to their person and those addressed to their
account (approvals, for managers). Marking is per user; nobody can mark another's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from scheduler.services import audit
from scheduler.services.notify.outbox import PENDING, SENT
from scheduler.store import DeliveryRow, NotificationRow, TeamRow, UserRow

PAGE = 100


class NotificationNotFound(LookupError):
    """No such notification for this user (another user's counts as none)."""


def _mine(user: UserRow):
    person = NotificationRow.person_id == user.person_id if user.person_id is not None else None
    account = NotificationRow.user_id == user.id
    return account if person is None else or_(account, person)


def unread_count(session: Session, user: UserRow) -> int:
    """Count the user's unread notifications (the badge in the nav)."""
    return session.scalar(
        select(func.count())
        .select_from(NotificationRow)
        .where(_mine(user), NotificationRow.read_at.is_(None))
    )


def notifications_for(session: Session, user: UserRow, limit: int = PAGE) -> list[NotificationRow]:
    """Return the user's newest notifications, unread and read, newest first."""
    return list(
        session.scalars(
            select(NotificationRow)
            .where(_mine(user))
            .order_by(NotificationRow.created_at.desc(), NotificationRow.id.desc())
            .limit(limit)
        )
    )


def mark_read(session: Session, user: UserRow, notification_id: int, now: datetime) -> None:
    """Mark one of the user's notifications read (again is fine).

    Raises NotificationNotFound for an unknown id or another user's notification.
    """
    row = session.get(NotificationRow, notification_id)
    mine = row is not None and (
        row.user_id == user.id or (row.person_id is not None and row.person_id == user.person_id)
    )
    if not mine:
        raise NotificationNotFound(f"there is no notification #{notification_id} of yours")
    if row.read_at is None:
        row.read_at = now


def mark_all_read(session: Session, user: UserRow, now: datetime) -> int:
    """Mark every unread notification of the user read; return how many."""
    done = session.execute(
        update(NotificationRow)
        .where(_mine(user), NotificationRow.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount


def failing_deliveries(session: Session, limit: int = PAGE) -> list[DeliveryRow]:
    """Return deliveries that failed at least once and are not sent, newest error first.

    Pending ones wait for their `next_attempt_at`; `failed` ones gave up after the last
    attempt and wait for someone to retry them (docs/notifications.md#failing-deliveries).
    """
    return list(
        session.scalars(
            select(DeliveryRow)
            .where(DeliveryRow.status != SENT, DeliveryRow.attempts > 0)
            .order_by(DeliveryRow.last_attempt_at.desc(), DeliveryRow.id.desc())
            .limit(limit)
        )
    )


def retry_now(session: Session, delivery_id: int, actor: str, now: datetime) -> DeliveryRow:
    """Make an unsent delivery due now (a failed one pending again), audited.

    Raises NotificationNotFound for an unknown delivery, ValueError for one already sent.
    A delivery a sender holds right now keeps its claim; it is due once the claim ends.
    """
    row = session.get(DeliveryRow, delivery_id)
    if row is None:
        raise NotificationNotFound(f"there is no delivery #{delivery_id}")
    if row.status == SENT:
        raise ValueError(f"delivery #{delivery_id} was sent already")
    before = {"status": row.status, "next_attempt_at": row.next_attempt_at}
    session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.id == delivery_id, DeliveryRow.status != SENT)
        .values(status=PENDING, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(row)
    org_id = session.scalar(select(TeamRow.org_id).where(and_(TeamRow.id == row.team_id)))
    audit.record(
        session,
        actor,
        "delivery.retry",
        "delivery",
        row.id,
        before,
        {"status": row.status, "next_attempt_at": row.next_attempt_at},
        now,
        org_id=org_id,
    )
    return row
