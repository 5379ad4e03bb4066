"""Past on-call read from another tool's calendar export: the shifts it held, and who held them.

PagerDuty, Opsgenie, Grafana OnCall and GoAlert export a schedule as an iCalendar feed: one
VEVENT per shift, the person named in the SUMMARY ("On Call - Alice Chen", "Alice Chen on
call", "[L1] alice@example.com") or as an ATTENDEE. `read_ics` turns such a file into
`CalendarShift`s (recurring events expanded with `recurring-ical-events`, cancelled ones
dropped, times in UTC); `read_csv` does the same for `team,role,start,end,person` rows;
`match_people` names the org's person behind each shift, by email, then full name, then id.
Nothing here writes anything: a file is understood whole, or `CalendarError` says where it is
not (docs/history.md).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.domain import model
from scheduler.domain.orgvalues import FIRST_DAY, LAST_DAY
from scheduler.domain.orgyaml import UNSAFE

LONGEST_FILE = 5_000_000  # bytes of a calendar file, as for org files (docs/history.md)
MOST_SHIFTS = 50_000  # occurrences after expanding recurrences
CSV_COLUMNS = ("team", "role", "start", "end", "person")
ROLES = tuple(role.value for role in model.Role)

_SEPARATORS = re.compile(r"\s[-\u2013\u2014]\s|[:|/,;()\[\]]")
_FILLER = re.compile(r"\b(on[- ]?call|oncall|goalert|shift|schedule|l\d+)\b", re.I)
_EMAIL = re.compile(r"[^\s<>()\[\],;:]+@[^\s<>()\[\],;:]+\.[^\s<>()\[\],;:]+")


class CalendarError(ValueError):
    """A calendar file that cannot be read as history as a whole (nothing is imported).

    The message names the file, the event (UID and start) where there is one, and the reason.
    """


@dataclass(frozen=True)
class CalendarShift:
    """One shift read from a file, before it is matched to a person.

    `start` and `end` are UTC; `label` is the person as the file names them (an attendee's
    email or name, else the event's summary); `emails` and `names` are the candidates matching
    tries; `team` and `role` are set by CSV rows and by the command's options for iCalendar.
    """

    uid: str
    start: datetime
    end: datetime
    label: str
    emails: tuple[str, ...]
    names: tuple[str, ...]
    team: str | None = None
    role: str | None = None

    @property
    def where(self) -> str:
        """Name the event: its UID and start (UTC), for messages."""
        return f"event {self.uid} at {self.start:%Y-%m-%dT%H:%MZ}"


@dataclass(frozen=True)
class HistoryShift:
    """A matched shift: `person` and `team` are keys of the org, times UTC."""

    uid: str
    team: str
    role: str
    person: str
    start: datetime
    end: datetime

    def as_json(self) -> dict[str, str]:
        """The shift as `rota import-history --json` prints it (ISO 8601 UTC)."""
        return {
            "person": self.person,
            "team": self.team,
            "role": self.role,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "uid": self.uid,
        }


@dataclass(frozen=True)
class Matched:
    """What a file holds: matched `shifts`, `unmatched` labels with their events
    (label -> [(uid, start UTC)]), and the `skipped` events with why, one sentence each."""

    shifts: tuple[HistoryShift, ...]
    unmatched: dict[str, list[tuple[str, datetime]]]
    skipped: tuple[str, ...]


def read_ics(data: bytes, source: str, zone: str, until: datetime) -> list[CalendarShift]:
    """Read an iCalendar export into shifts that ended by `until` (UTC), sorted by start.

    Floating times and all-day events are read in `zone` (the team's IANA zone). Recurring
    events are expanded from their first start to `until`; cancelled events and instances are
    dropped. Raises CalendarError for a file that is not iCalendar, has no events, has an
    event without a start or with an end before its start, or expands past MOST_SHIFTS.
    """
    import icalendar
    import recurring_ical_events

    if len(data) > LONGEST_FILE:
        raise CalendarError(f"{source}: the file is over {LONGEST_FILE:,} bytes")
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as err:
        raise CalendarError(f"{source}: not an iCalendar file ({_first_line(err)})") from None
    if calendar.name != "VCALENDAR":
        raise CalendarError(f"{source}: not an iCalendar file (it holds a {calendar.name})")
    events = list(calendar.walk("VEVENT"))
    if not events:
        raise CalendarError(f"{source}: the calendar has no events")
    tz = ZoneInfo(zone)
    for event in events:
        uid = _clean(str(event.get("UID", ""))) or "(no UID)"
        if event.get("DTSTART") is None:
            raise CalendarError(f"{source}: event {uid} has no start (DTSTART)")
        _check_years(event, uid, source)
        start = _utc(event.decoded("DTSTART"), tz)
        if event.get("DTEND") is not None and _utc(event.decoded("DTEND"), tz) <= start:
            raise CalendarError(
                f"{source}: event {uid} at {start:%Y-%m-%dT%H:%MZ}: it ends before it starts"
            )
    try:
        occurrences = recurring_ical_events.of(calendar).between(
            datetime.combine(FIRST_DAY, time(), UTC), until
        )
    except Exception as err:  # the library raises its own types for broken rules and zones
        raise CalendarError(f"{source}: cannot expand its events ({_first_line(err)})") from None
    if len(occurrences) > MOST_SHIFTS:
        raise CalendarError(f"{source}: over {MOST_SHIFTS:,} shifts after expanding recurrences")
    shifts = []
    for event in occurrences:
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        uid = _clean(str(event.get("UID", ""))) or "(no UID)"
        start = _utc(event.decoded("DTSTART"), tz)
        end = _event_end(event, start, tz)
        shift_at = f"{source}: event {uid} at {start:%Y-%m-%dT%H:%MZ}"
        if end <= start:
            raise CalendarError(f"{shift_at}: it ends before it starts")
        if not (FIRST_DAY <= start.date() and end.date() <= LAST_DAY):
            raise CalendarError(f"{shift_at}: dates must lie between {FIRST_DAY} and {LAST_DAY}")
        if end > until:
            continue  # not over yet: not history
        emails, names = _attendees(event)
        summary = _clean(str(event.get("SUMMARY", "")))
        label = emails[0] if emails else (names[0] if names else summary)
        emails += tuple(_EMAIL.findall(summary))
        names += _summary_names(summary)
        shifts.append(CalendarShift(uid, start, end, label or "(no summary)", emails, names))
    return sorted(shifts, key=lambda s: (s.start, s.uid))


def read_csv(text: str, source: str, zone_of: dict[str, str]) -> list[CalendarShift]:
    """Read `team,role,start,end,person` rows (a header first) into shifts, sorted by start.

    `zone_of` maps team keys to their IANA zones, for times without an offset. `person` is an
    email, a full name or a person id. Raises CalendarError naming the line for a missing
    column, an unknown team or role, a time that does not parse, or an end before its start.
    """
    rows = csv.DictReader(io.StringIO(text))
    missing = [c for c in CSV_COLUMNS if c not in (rows.fieldnames or [])]
    if missing:
        raise CalendarError(f"{source}: line 1: missing column(s) {', '.join(missing)}")
    shifts = []
    for line, row in enumerate(rows, start=2):
        team, role, person = (_clean(str(row[c] or "")) for c in ("team", "role", "person"))
        at = f"{source}: line {line}"
        if team not in zone_of:
            raise CalendarError(f"{at}: unknown team {team!r}")
        if role not in ROLES:
            raise CalendarError(f"{at}: role {role!r} is not one of {', '.join(ROLES)}")
        tz = ZoneInfo(zone_of[team])
        start, end = (_csv_time(row[c], tz, f"{at}, {c}") for c in ("start", "end"))
        if end <= start:
            raise CalendarError(f"{at}: it ends before it starts")
        uid = f"line {line}"
        names = (person,) if "@" not in person else ()
        emails = (person,) if "@" in person else ()
        shifts.append(CalendarShift(uid, start, end, person, emails, names, team, role))
    if not shifts:
        raise CalendarError(f"{source}: the file has no rows")
    return sorted(shifts, key=lambda s: (s.start, s.uid))


def match_people(
    shifts: Iterable[CalendarShift],
    org: model.Org,
    team: str | None,
    role: str | None,
    source: str,
    person: str | None = None,
) -> Matched:
    """Name the person behind each shift: by email (any case), then full name, then id.

    `team` and `role` apply to shifts that do not carry their own (iCalendar); `person` (a
    person key) is every shift's holder, for a personal feed that names only the schedule
    (GoAlert's, PagerDuty's "my on-call shifts"). Identical
    shifts of one person are kept once; two people's shifts that overlap in one team and role
    raise CalendarError naming both events (one schedule holds one person at a time).
    """
    by_email = {p.email.casefold(): p.id for p in org.people if p.email}
    by_name = {_folded(p.name): p.id for p in org.people}
    by_id = {p.id: p.id for p in org.people}
    matched: dict[tuple, tuple[HistoryShift, CalendarShift]] = {}
    unmatched: dict[str, list[tuple[str, datetime]]] = {}
    skipped = []
    for shift in shifts:
        holder = person or _first(by_email, (e.casefold() for e in shift.emails))
        holder = holder or _first(by_name, map(_folded, shift.names))
        holder = holder or _first(by_id, (n.strip().lower() for n in shift.names))
        if holder is None:
            unmatched.setdefault(shift.label, []).append((shift.uid, shift.start))
            continue
        found = HistoryShift(
            shift.uid, shift.team or team, shift.role or role, holder, shift.start, shift.end
        )
        key = (found.team, found.role, found.person, found.start, found.end)
        if key in matched:
            skipped.append(f"{source}: {shift.where} repeats {matched[key][1].where}")
            continue
        matched[key] = (found, shift)
    _refuse_overlaps(list(matched.values()), source)
    return Matched(tuple(m for m, _ in matched.values()), unmatched, tuple(skipped))


def _refuse_overlaps(matched: list[tuple[HistoryShift, CalendarShift]], source: str) -> None:
    last: dict[tuple[str, str], tuple[HistoryShift, CalendarShift]] = {}
    for found, shift in sorted(matched, key=lambda m: (m[0].team, m[0].role, m[0].start)):
        key = (found.team, found.role)
        before = last.get(key)
        if before is not None and found.start < before[0].end:
            raise CalendarError(
                f"{source}: {before[1].where} ({before[0].person}) and {shift.where} "
                f"({found.person}) "
                f"overlap in {found.team} {found.role}: one schedule has one person on call "
                "at a time (export each layer or role to its own file and pass --role)"
            )
        if before is None or found.end > before[0].end:
            last[key] = (found, shift)


def _attendees(event) -> tuple[tuple[str, ...], tuple[str, ...]]:
    emails, names = [], []
    attendees = event.get("ATTENDEE", [])
    for attendee in attendees if isinstance(attendees, list) else [attendees]:
        address = str(attendee)
        if address.lower().startswith("mailto:"):
            emails.append(_clean(address[7:]))
        name = getattr(attendee, "params", {}).get("CN")
        if name:
            names.append(_clean(str(name)))
    return tuple(emails), tuple(names)


def _summary_names(summary: str) -> tuple[str, ...]:
    """The summary whole, then each part between separators with filler words removed."""
    parts = [summary, *(_SEPARATORS.split(summary))]
    cleaned = (" ".join(_FILLER.sub(" ", part).split()) for part in parts)
    return tuple(dict.fromkeys(p for p in cleaned if p))


def _event_end(event, start: datetime, tz: ZoneInfo) -> datetime:
    if event.get("DTEND") is not None:
        return _utc(event.decoded("DTEND"), tz)
    if event.get("DURATION") is not None:
        return start + event.decoded("DURATION")
    if not isinstance(event.decoded("DTSTART"), datetime):  # an all-day event: one day
        return _utc(event.decoded("DTSTART") + timedelta(days=1), tz)
    return start


def _check_years(event, uid: str, source: str) -> None:
    """Refuse an event starting or ending outside the supported years, as written (before any
    zone is applied, so that year 1 cannot overflow): the expansion window would otherwise
    leave it out without a word (docs/history.md#all-or-nothing)."""
    for key in ("DTSTART", "DTEND"):
        if event.get(key) is None:
            continue
        value = event.decoded(key)
        day = value.date() if isinstance(value, datetime) else value
        if not FIRST_DAY <= day <= LAST_DAY:
            written = day.isoformat()
            if isinstance(value, datetime):
                utc = value.tzinfo is not None and value.utcoffset() == timedelta(0)
                written += f"T{value:%H:%M}" + ("Z" if utc else "")
            raise CalendarError(
                f"{source}: event {uid} at {written}: "
                f"dates must lie between {FIRST_DAY} and {LAST_DAY}"
            )


def _utc(value: date | datetime, tz: ZoneInfo) -> datetime:
    """A calendar time in UTC: all-day dates start at midnight and floating times are in `tz`."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value.astimezone(UTC)


def _csv_time(text: str | None, tz: ZoneInfo, where: str) -> datetime:
    try:
        value = datetime.fromisoformat(str(text or "").strip())
    except ValueError:
        raise CalendarError(f"{where}: {text!r} is not an ISO 8601 time") from None
    if not FIRST_DAY <= value.date() <= LAST_DAY:
        raise CalendarError(f"{where}: dates must lie between {FIRST_DAY} and {LAST_DAY}")
    return _utc(value, tz)


def _clean(text: str) -> str:
    """File text made inert for messages: control and bidi characters gone, spaces collapsed."""
    return " ".join(UNSAFE.sub(" ", text).split())[:200]


def _first(index: dict[str, str], keys: Iterable[str]) -> str | None:
    return next((index[k] for k in keys if k in index), None)


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _first_line(err: Exception) -> str:
    return (str(err).splitlines() or [type(err).__name__])[0][:200]
