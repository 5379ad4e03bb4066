"""Writing the outbox: a notification for one recipient, its email, a team's webhook message.

Nothing here commits: the rows join the caller's transaction, so a change that rolls back
leaves no notification behind (docs/notifications.md#delivery-guarantees).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from scheduler.store import DeliveryRow, NotificationRow, PersonRow, TeamRow, UserRow

PENDING, SENT, FAILED = "pending", "sent", "failed"
EMAIL, WEBHOOK = "email", "webhook"
SUBJECT_LIMIT = 300


def enqueue(
    session: Session,
    recipient: PersonRow | UserRow,
    kind: str,
    subject: str,
    body: str,
    now: datetime,
    *,
    link: str | None = None,
    dedupe_key: str | None = None,
) -> NotificationRow:
    """Add a notification for a person (or a manager's account) and its email, if any.

    `kind` names the event (docs/notifications.md#events); `link` is a path on this site;
    `dedupe_key`, when given, must be new (the unique index refuses a second one, which is how
    a periodic scan stays idempotent). The email goes to the person's address (for an account,
    its person's), none when there is no address. Returns the flushed row.
    """
    subject = " ".join(subject.split())[:SUBJECT_LIMIT]
    is_person = isinstance(recipient, PersonRow)
    row = NotificationRow(
        person_id=recipient.id if is_person else None,
        user_id=None if is_person else recipient.id,
        kind=kind,
        subject=subject,
        body=body,
        link=link,
        created_at=now,
        dedupe_key=dedupe_key,
    )
    session.add(row)
    session.flush()
    person = recipient if is_person else recipient.person
    if person is not None and person.email and person.active:
        session.add(_delivery(EMAIL, person.email, subject, body, now, notification_id=row.id))
    return row


def team_message(session: Session, team: TeamRow, text: str, now: datetime) -> DeliveryRow | None:
    """Add a message to the team's incoming webhook (none when the team has no webhook_url).

    `text` is plain text; the sender posts it as Slack-compatible JSON `{"text": ...}`.
    """
    if not team.webhook_url:
        return None
    row = _delivery(WEBHOOK, team.webhook_url, text.split("\n", 1)[0], text, now, team_id=team.id)
    session.add(row)
    return row


def _delivery(
    channel: str, target: str, subject: str, body: str, now: datetime, **refs
) -> DeliveryRow:
    return DeliveryRow(
        channel=channel,
        target=target,
        subject=subject[:SUBJECT_LIMIT],
        body=body,
        status=PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        **refs,
    )
