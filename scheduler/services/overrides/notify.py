"""Who to tell about an override, and what: the one call site per event for the outbox.

Every service that changes an override calls `send(session, events(...), now)`. Until the
notifications outbox is wired in, `send` only returns the notices; the integrator makes it
enqueue them (one call, here, for every override event).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from scheduler.domain.text import local_clock
from scheduler.store import OverrideRow, PersonRow

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


def send(session: Session, notices: list[Notice], now: datetime) -> list[Notice]:
    """Hand notices to the notifications outbox (not wired yet: returns them unchanged)."""
    return notices
