"""Who to tell about an override, and what: the one call site per event for the outbox.

Every service that changes an override calls `send(session, events(...), now)`, which puts
the notices in the notifications outbox in the caller's transaction: each person's in-app
notification and email, the team's webhook for requests, offers and decisions, and the team's
managers (not party to it) when an override awaits approval (docs/notifications.md#events).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain.text import local_clock
from scheduler.services.notify.outbox import enqueue, team_message
from scheduler.store import ManagerRow, OverrideRow, PersonRow, UserRow

# event -> (who is told, what they read); {who}, {cover}, {holder} and {span} are filled in.
EVENTS = {
    "requested": ("cover", "{holder} asks you to cover {span}."),
    "offered": ("holder", "{cover} offers to cover {span} for you."),
    "assigned": ("both", "A manager set {cover} to cover {span} for {holder}."),
    "accepted": ("creator", "{who} accepted: {cover} covers {span} for {holder}."),
    "awaiting_approval": ("both", "{cover} covering {span} for {holder} awaits a manager."),
    "approved": ("both", "A manager approved: {cover} covers {span} for {holder}."),
    "declined": ("creator", "{who} declined to have {cover} cover {span} for {holder}."),
    "refused": ("both", "A manager refused {cover} covering {span} for {holder}."),
    "cancelled": ("answerer", "{who} withdrew: {cover} covering {span} for {holder}."),
}


@dataclass(frozen=True)
class Notice:
    """One message to one person about an override: `event` is a key of EVENTS."""

    person_id: int
    event: str
    override_id: int
    text: str


def events(session: Session, row: OverrideRow, event: str, actor: PersonRow | None) -> list[Notice]:
    """Describe who is told what when `event` happens to an override (`actor` did it).

    Raises KeyError for an unknown event.
    """
    audience, template = EVENTS[event]
    team = row.assignment.team
    span = (
        f"{row.assignment.role} on {team.name}, {local_clock(row.start, team.timezone)} – "
        f"{local_clock(row.end, team.timezone)} ({team.timezone})"
    )
    text = template.format(
        who=actor.name if actor is not None else "A manager",
        cover=row.cover.name,
        holder=row.holder.name,
        span=span,
    )
    asked = row.cover_id if row.kind == "request" else row.holder_id
    creator = row.holder_id if row.kind == "request" else row.cover_id
    people = {
        "cover": [row.cover_id],
        "holder": [row.holder_id],
        "both": [row.holder_id, row.cover_id],
        "creator": [creator],
        "answerer": [asked],
    }[audience]
    return [Notice(p, event, row.id, text) for p in dict.fromkeys(people)]


SUBJECTS = {
    "requested": "You are asked to cover a shift",
    "offered": "An offer to cover your shift",
    "assigned": "A cover was set for a shift",
    "accepted": "Your cover request was accepted",
    "awaiting_approval": "A cover awaits a manager's approval",
    "approved": "A cover was approved",
    "declined": "Your cover request was declined",
    "refused": "A cover was refused",
    "cancelled": "A cover request was withdrawn",
}
TEAM_EVENTS = {"requested", "offered", "assigned", "approved", "awaiting_approval"}
SWAPS_PAGE = "/swaps"


def send(session: Session, notices: list[Notice], now: datetime) -> list[Notice]:
    """Put `notices` in the notifications outbox (kind `override.<event>`); return them.

    The team's webhook hears requests, offers and decisions once; an override awaiting
    approval also goes to every active manager of the team who is not party to it.
    """
    for notice in notices:
        person = session.get(PersonRow, notice.person_id)
        if person is not None:
            subject = SUBJECTS[notice.event]
            kind = f"override.{notice.event}"
            enqueue(session, person, kind, subject, notice.text, now, link=SWAPS_PAGE)
    if not notices:
        return notices
    first = notices[0]
    row = session.get(OverrideRow, first.override_id)
    if first.event in TEAM_EVENTS:
        team_message(session, row.assignment.team, first.text, now)
    if first.event == "awaiting_approval":
        parties = {row.holder_id, row.cover_id}
        managers = session.scalars(
            select(UserRow)
            .join(ManagerRow, ManagerRow.user_id == UserRow.id)
            .where(ManagerRow.team_id == row.assignment.team_id, UserRow.active.is_(True))
            .order_by(UserRow.id)
        ).all()
        for user in managers:
            if user.person_id is None or user.person_id not in parties:
                subject, kind = "A cover awaits your approval", "override.approval"
                enqueue(session, user, kind, subject, first.text, now, link=SWAPS_PAGE)
    return notices
