"""What the notification tests set up and read: addresses, a team webhook, outbox rows by kind."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler.store import DeliveryRow, NotificationRow, PersonRow, TeamRow


def give_addresses(session: Session, webhook_url: str | None = None) -> None:
    """Give every person `<key>@example.org`, and every team the webhook, if one is named."""
    people = session.scalars(select(PersonRow)).all()
    for person in people:
        person.email = f"{person.key}@example.org"
    if webhook_url is not None:
        session.execute(update(TeamRow).values(webhook_url=webhook_url))
    session.flush()


def notices(session: Session, kind: str | None = None) -> list[NotificationRow]:
    """Return the notifications (of one kind), oldest first."""
    query = select(NotificationRow).order_by(NotificationRow.id)
    if kind is not None:
        query = query.where(NotificationRow.kind == kind)
    return list(session.scalars(query))


def deliveries(session: Session, channel: str | None = None) -> list[DeliveryRow]:
    """Return the deliveries (of one channel), oldest first."""
    query = select(DeliveryRow).order_by(DeliveryRow.id)
    if channel is not None:
        query = query.where(DeliveryRow.channel == channel)
    return list(session.scalars(query))
