"""Calendar feeds: a plan as one iCalendar feed per person and one per team (docs/feeds.md).

Every event is one assignment in UTC, with no RRULE, VTIMEZONE or METHOD, so that every client
shows it at the right time and the bytes only change when the plan does. Event UIDs come from the
shift, the role and the feed, never from the person, so a swap updates the event in place.
Revisions (SEQUENCE, LAST-MODIFIED, DTSTAMP) rise only when what an event says changes: the
fingerprint and the rule for the next revision live here, for the database and for files alike.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event, vDuration, vText
from icalendar.enums import TRANSP

from scheduler.domain.model import ROLES, Assignment, Org, Shift

PRODID = "-//Rota//Rota on-call//EN"
REFRESH = timedelta(hours=1)

_UID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
# Properties that record an event's revision rather than its content.
REVISION_PROPERTIES = frozenset({"DTSTAMP", "LAST-MODIFIED", "SEQUENCE"})


@dataclass(frozen=True)
class EventRevision:
    """How many times the event with one UID has changed, and when it last did."""

    sequence: int
    modified: datetime


@dataclass(frozen=True)
class KnownEvent:
    """What an event said when it was last published (its fingerprint), and its revision then."""

    fingerprint: str
    revision: EventRevision


def person_scope(person_id: str) -> str:
    """Name the scope of a person's feed."""
    return f"person:{person_id}"


def team_scope(team_id: str) -> str:
    """Name the scope of a team's feed."""
    return f"team:{team_id}"


def event_uid(assignment: Assignment, scope: str, crew: Iterable[Assignment] = ()) -> str:
    """Identify the event of a role on a shift in one feed, whoever holds the role.

    A shift split by overrides (docs/feeds.md#overrides): the holder's first piece keeps the
    shift's UID (its times change), a cover's UID adds `-cover-` and its UTC start, and the
    holder's later pieces add `-after-` and theirs. `crew` is every assignment of the shift.
    """
    shift, role = assignment.shift, assignment.role
    base = f"{_uid_part(shift.key)}-{_uid_part(role)}"
    if assignment.cover:
        base += f"-cover-{assignment.start.astimezone(UTC):%Y%m%dT%H%MZ}"
    elif any(_holds_earlier(other, assignment) for other in crew):
        base += f"-after-{assignment.start.astimezone(UTC):%Y%m%dT%H%MZ}"
    return f"{base}.{_uid_part(scope)}@rota"


def _holds_earlier(other: Assignment, piece: Assignment) -> bool:
    """Tell whether `other` is a holder's piece of the same role before `piece`."""
    return not other.cover and other.role == piece.role and other.start < piece.start


def person_feed(
    org: Org,
    assignments: Iterable[Assignment],
    person_id: str,
    now: datetime,
    revisions: Mapping[str, EventRevision] | None = None,
) -> Calendar:
    """Build the feed of one person's shifts, across all of their teams."""
    person = org.person(person_id)
    plan = tuple(assignments)
    crews = _crews(plan)
    events = [
        _event(org, a, crews[a.shift], person_scope(person_id), now, revisions, in_team=False)
        for a in plan
        if a.person == person_id
    ]
    name = _clean(person.name)
    return _calendar(f"On-call: {name}", f"On-call shifts of {name} ({_clean(org.name)})", events)


def team_feed(
    org: Org,
    assignments: Iterable[Assignment],
    team_id: str,
    now: datetime,
    revisions: Mapping[str, EventRevision] | None = None,
) -> Calendar:
    """Build the feed of one team's rotation: every role on every shift."""
    team = org.team(team_id)
    plan = tuple(a for a in assignments if a.shift.team == team_id)
    crews = _crews(plan)
    events = [
        _event(org, a, crews[a.shift], team_scope(team_id), now, revisions, in_team=True)
        for a in plan
    ]
    name = _clean(team.name)
    return _calendar(f"On-call: {name}", f"On-call rotation of {name} ({_clean(org.name)})", events)


def feed_bytes(cal: Calendar) -> bytes:
    """Serialise a feed: UTF-8, CRLF line ends, lines folded at 75 octets."""
    return cal.to_ical()


def fingerprint(event: Event) -> str:
    """Digest what an event says (times, title, description...), leaving out its revision.

    Returns 64 hex digits. An event parsed back from a feed gives the same digest as the event
    that was serialised, so a previous feed file can be compared with a new rendering.
    """
    digest = hashlib.sha256()
    for name, value in sorted(event.items()):
        if name in REVISION_PROPERTIES:
            continue
        text = value.to_ical() if hasattr(value, "to_ical") else str(value).encode()
        digest.update(name.encode() + b":" + text + b"\r\n")
    return digest.hexdigest()


def fingerprints(cal: Calendar) -> dict[str, str]:
    """Map the UID of every event in a feed to its fingerprint."""
    return {str(e["UID"]): fingerprint(e) for e in cal.walk("VEVENT")}


def revise(known: KnownEvent | None, print_: str, now: datetime) -> EventRevision:
    """Return an event's revision now that it says `print_` (docs/feeds.md#revisions).

    A first sighting starts at SEQUENCE 0, modified `now`; the same content keeps its revision;
    new content gets SEQUENCE + 1, modified `now` (or the last change, should `now` be earlier,
    so that LAST-MODIFIED never goes back). Raises ValueError for a naive `now`.
    """
    if now.tzinfo is None:
        raise ValueError(f"revision times must be timezone-aware, got {now.isoformat()}")
    if known is None:
        return EventRevision(sequence=0, modified=now)
    if known.fingerprint == print_:
        return known.revision
    return EventRevision(known.revision.sequence + 1, max(now, known.revision.modified))


def _event(
    org: Org,
    assignment: Assignment,
    crew: list[Assignment],
    scope: str,
    now: datetime,
    revisions: Mapping[str, EventRevision] | None,
    in_team: bool,
) -> Event:
    """Build the event of one assignment, for a team's feed or (not `in_team`) a person's.

    A team's event names its holder in the title and lists the whole crew in the description;
    a person's names the team in the title and lists only the others on the shift.
    """
    uid = event_uid(assignment, scope, crew)
    revision = (revisions or {}).get(uid) or EventRevision(sequence=0, modified=now)
    modified = _utc(revision.modified)
    team = org.team(assignment.shift.team)
    # Only the pieces of the shift this one overlaps share its hours (overrides split shifts).
    beside = [a for a in crew if a.span.overlaps(assignment.start, assignment.end)]
    others = beside if in_team else [a for a in beside if a != assignment]
    lines = list(
        dict.fromkeys(
            f"{a.role.capitalize()}: {_person_name(org, a.person)}" for a in _by_role(others)
        )
    )
    if team.runbook:
        lines.append(f"Runbook: {_clean(team.runbook)}")
    if in_team:
        title = f"{_clean(team.name)} {assignment.role}: {_person_name(org, assignment.person)}"
    else:
        title = f"{assignment.role.capitalize()} on-call: {_clean(team.name)}"
        holder = next((a for a in crew if a.role == assignment.role and not a.cover), None)
        if assignment.cover and holder is not None:
            title += f" (covering {_person_name(org, holder.person)})"
    return Event.new(
        uid=uid,
        stamp=modified,
        last_modified=modified,
        sequence=revision.sequence,
        start=_utc(assignment.start),
        end=_utc(assignment.end),
        summary=title,
        description="\n".join(lines) or None,
        transparency=TRANSP.TRANSPARENT,
    )


def _calendar(name: str, description: str, events: list[Event]) -> Calendar:
    """Wrap events in a feed, sorted by start and UID so that the bytes are reproducible."""
    cal = Calendar()
    cal.add("PRODID", PRODID)
    cal.add("VERSION", "2.0")
    # icalendar writes calendar-level text raw unless it is a vText: escape it ourselves.
    cal.add("NAME", vText(name))
    cal.add("X-WR-CALNAME", vText(name))
    cal.add("X-WR-CALDESC", vText(description))
    cal.add("REFRESH-INTERVAL", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    cal.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    seen: set[str] = set()
    for event in sorted(events, key=lambda e: (e.start, str(e.uid))):
        if event.uid in seen:
            # Clients show only one of two events with one UID: a plan that does this is broken.
            raise ValueError(f"two events in the feed {name!r} share the UID {event.uid}")
        seen.add(event.uid)
        cal.add_component(event)
    return cal


def _crews(assignments: Iterable[Assignment]) -> dict[Shift, list[Assignment]]:
    """Group assignments by the shift they are on."""
    crews: dict[Shift, list[Assignment]] = defaultdict(list)
    for a in assignments:
        crews[a.shift].append(a)
    return crews


def _by_role(assignments: list[Assignment]) -> list[Assignment]:
    """Order assignments primary, secondary, shadow, then any other role by name."""
    return sorted(
        assignments, key=lambda a: (ROLES.index(a.role) if a.role in ROLES else len(ROLES), a)
    )


def _person_name(org: Org, person_id: str) -> str:
    """Name a person for display, falling back to the id of someone no longer in the org."""
    person = org.people_by_id.get(person_id)
    return _clean(person.name) if person else _clean(person_id)


def _clean(text: str) -> str:
    """Make user text one line: control characters and line breaks become single spaces."""
    visible = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
    # str.split() also breaks on U+0085, U+2028 and U+2029, which some parsers treat as newlines.
    return " ".join(visible.split())


def _utc(moment: datetime) -> datetime:
    """Convert an aware datetime to UTC, to the whole second that iCalendar can carry."""
    if moment.tzinfo is None:
        raise ValueError(f"feed times must be timezone-aware, got {moment.isoformat()}")
    return moment.astimezone(UTC).replace(microsecond=0)


def _uid_part(text: str) -> str:
    """Keep a UID to letters, digits, '-' and '_' so that no client mangles it."""
    return _UID_UNSAFE.sub("-", text)
