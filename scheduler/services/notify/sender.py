"""Delivering the outbox: claim a due row with a lease, deliver it, mark it sent or retry later.

Claiming is a compare-and-set (`UPDATE ... WHERE claimed_until IS NULL OR claimed_until <= now`)
in a transaction of its own, so two senders never deliver the same row while a lease holds.
The row is marked sent only after the server took the message: a sender killed in between
leaves the row claimed until its lease ends, and the next sender delivers it again (at least
once; docs/notifications.md#delivery-guarantees).
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from scheduler.services.notify import channels
from scheduler.services.notify.channels import DeliveryError, SmtpSettings
from scheduler.services.notify.outbox import EMAIL, FAILED, PENDING, SENT, WEBHOOK
from scheduler.store import DeliveryRow, NotificationRow

FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
MAX_ATTEMPTS = 10
ERROR_LIMIT = 1000


@dataclass(frozen=True)
class SenderSettings:
    """How a sender delivers: SMTP server (None: email waits), From, lease and timeouts (s).

    `lease` must outlast one delivery (both timeouts), or a slow delivery could be claimed
    again by another sender; `base_url` makes the links in emails absolute.
    """

    smtp: SmtpSettings | None = None
    mail_from: str = "Rota <rota@localhost>"
    base_url: str | None = None
    lease: timedelta = timedelta(minutes=5)
    timeout: float = 10.0
    batch: int = 50
    worker: str = field(
        default_factory=lambda: f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"
    )


@dataclass
class SendReport:
    """What one round did: deliveries sent, failed this time (retried later), given up."""

    sent: int = 0
    failed: int = 0
    gave_up: int = 0
    errors: list[str] = field(default_factory=list)


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: 1 min, 2, 4, ... doubling, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def send_due(
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    settings: SenderSettings,
    after_delivery: Callable[[int], None] | None = None,
) -> SendReport:
    """Deliver up to `settings.batch` due deliveries, each in its own claim; return the tally.

    Email waits (is neither claimed nor failed) while `settings.smtp` is None. Never raises for
    a delivery that fails: the error is stored on its row. `after_delivery(id)` runs between a
    delivery and its mark (tests use it to kill the sender there).
    """
    report = SendReport()
    channels_on = [WEBHOOK] + ([EMAIL] if settings.smtp is not None else [])
    with sessions() as session:
        due = session.scalars(
            _due(clock()).where(DeliveryRow.channel.in_(channels_on)).limit(settings.batch)
        ).all()
    for delivery_id in due:
        if not claim(sessions, delivery_id, clock(), settings):
            continue  # another sender has it
        with sessions() as session:
            row = session.get(DeliveryRow, delivery_id)
            link = _link(session, row)
            session.expunge(row)
        error = _deliver(row, link, settings, clock())
        if error is None and after_delivery is not None:
            after_delivery(delivery_id)
        outcome = finish(sessions, delivery_id, settings.worker, clock(), error)
        if error is None:
            report.sent += 1
        else:
            report.errors.append(f"delivery #{delivery_id} ({row.channel}): {error}")
            report.gave_up += outcome == FAILED
            report.failed += outcome != FAILED
    return report


def claim(
    sessions: sessionmaker[Session], delivery_id: int, now: datetime, settings: SenderSettings
) -> bool:
    """Take a due delivery for `settings.lease` (compare-and-set, committed); tell if it worked."""
    with sessions.begin() as session:
        taken = session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id == delivery_id, *_due_conditions(now))
            .values(claimed_until=now + settings.lease, claimed_by=settings.worker)
            .execution_options(synchronize_session=False)
        )
        return taken.rowcount == 1


def finish(
    sessions: sessionmaker[Session],
    delivery_id: int,
    worker: str,
    now: datetime,
    error: str | None,
) -> str | None:
    """Mark a claimed delivery sent, or store its error and when to retry; return its status.

    Only the sender holding the claim may mark it; None when the claim was lost (the lease
    ran out and another sender took the row).
    """
    with sessions.begin() as session:
        row = session.scalar(
            select(DeliveryRow)
            .where(DeliveryRow.id == delivery_id, DeliveryRow.claimed_by == worker)
            .with_for_update()
        )
        if row is None or row.status != PENDING:
            return None
        row.attempts += 1
        row.last_attempt_at, row.claimed_until = now, None
        if error is None:
            row.status, row.sent_at = SENT, now
        else:
            row.last_error = error[:ERROR_LIMIT]
            row.next_attempt_at = now + backoff(row.attempts)
            if row.attempts >= MAX_ATTEMPTS:
                row.status = FAILED
        return row.status


def _deliver(
    row: DeliveryRow, link: str | None, settings: SenderSettings, now: datetime
) -> str | None:
    try:
        if row.channel == EMAIL:
            message = channels.email_message(row, settings.mail_from, settings.base_url, now, link)
            channels.send_email(settings.smtp, message, settings.timeout)
        elif row.channel == WEBHOOK:
            channels.post_webhook(row, settings.timeout)
        else:
            return f"unknown channel {row.channel!r}"
    except DeliveryError as err:
        return str(err)
    return None


def _due(now: datetime):
    return (
        select(DeliveryRow.id)
        .where(*_due_conditions(now))
        .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
    )


def _due_conditions(now: datetime) -> tuple:
    return (
        DeliveryRow.status == PENDING,
        DeliveryRow.next_attempt_at <= now,
        or_(DeliveryRow.claimed_until.is_(None), DeliveryRow.claimed_until <= now),
    )


def _link(session: Session, row: DeliveryRow) -> str | None:
    if row.notification_id is None:
        return None
    return session.get(NotificationRow, row.notification_id).link
