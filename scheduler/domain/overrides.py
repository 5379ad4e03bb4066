"""Overrides: someone covers part of a shift, and the assignment splits into pieces.

An override hands `[start, end)` of one role on one shift to a cover; the holder keeps the
rest, before and after (docs/rules.md#overrides). Several overrides of one assignment may not
overlap, lie inside the shift, start at a whole minute, and never start in the past. The pieces
are ordinary assignments with their own `start` and `end`, which the rulebook, the points and
the feeds read like any other.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from scheduler.domain.model import Assignment, Org
from scheduler.domain.text import local_clock, name_of

QUARTER = timedelta(minutes=15)


@dataclass(frozen=True, order=True)
class Cover:
    """One override: `person` holds `[start, end)` (UTC, aware) instead of the holder."""

    start: datetime
    end: datetime
    person: str


def split(assignment: Assignment, covers: Iterable[Cover]) -> tuple[Assignment, ...]:
    """Return the pieces of a whole-shift assignment once `covers` take their hours.

    Pieces come in time order: the holder's (cover False) around the covers' (cover True);
    no piece is empty. Raises ValueError when a cover lies outside the shift or two overlap:
    callers validate first with `problem_with`, so this is a bug guard.
    """
    ordered = sorted(covers)
    pieces: list[Assignment] = []
    cursor = assignment.shift.start
    for c in ordered:
        if c.start < cursor or c.end > assignment.shift.end or c.end <= c.start:
            raise ValueError(f"override {c} does not fit the rest of {assignment}")
        if c.start > cursor:
            pieces.append(replace(assignment, start=cursor, end=c.start, cover=False))
        pieces.append(replace(assignment, person=c.person, start=c.start, end=c.end, cover=True))
        cursor = c.end
    if cursor < assignment.shift.end:
        pieces.append(replace(assignment, start=cursor, end=assignment.shift.end, cover=False))
    return tuple(pieces)


def problem_with(
    org: Org,
    assignment: Assignment,
    start: datetime,
    end: datetime,
    others: Iterable[Cover],
    now: datetime,
) -> str | None:
    """Say what is wrong with covering `[start, end)` of `assignment`, or None when it fits.

    `others` are the overrides the assignment already has (accepted or pending). Refused: a
    naive or non-whole-minute time, `end <= start`, a range outside the shift, a start before
    `now` (the past never changes), and a range overlapping another override. Sentences name
    the shift's team-local times (docs/rules.md#overrides).
    """
    if start.tzinfo is None or end.tzinfo is None:
        return "Override times need a time zone."
    team = org.teams_by_id.get(assignment.shift.team)
    zone = team.timezone if team else "UTC"
    shift = assignment.shift
    if start.second or start.microsecond or end.second or end.microsecond:
        return "An override starts and ends on a whole minute."
    if end <= start:
        return (
            f"The override ends ({local_clock(end, zone)}) before it starts "
            f"({local_clock(start, zone)}); pick an end after the start."
        )
    if start < shift.start or end > shift.end:
        return (
            f"{local_clock(start, zone)} – {local_clock(end, zone)} is not inside the shift "
            f"{local_clock(shift.start, zone)} – {local_clock(shift.end, zone)} ({zone})."
        )
    if start < now:
        return (
            f"The override would start at {local_clock(start, zone)}, which has passed "
            f"(now {local_clock(now, zone)}, {zone}); the past never changes."
        )
    for other in sorted(others):
        if other.start < end and start < other.end:
            return (
                f"{local_clock(start, zone)} – {local_clock(end, zone)} overlaps the override "
                f"by {name_of(org, other.person)}, {local_clock(other.start, zone)} – "
                f"{local_clock(other.end, zone)} ({zone}); overrides of a shift cannot overlap."
            )
    return None


def rest_of_shift(assignment: Assignment, now: datetime) -> tuple[datetime, datetime]:
    """Return 'the rest of this shift': from `now` rounded up to the next quarter hour, to its end.

    Raises ValueError when less than a quarter hour of the shift is left.
    """
    epoch = now - datetime.min.replace(tzinfo=now.tzinfo)
    rounded = now + (-epoch % QUARTER) if epoch % QUARTER else now
    start = max(rounded.replace(second=0, microsecond=0), assignment.shift.start)
    if start >= assignment.shift.end:
        raise ValueError("less than a quarter hour of this shift is left to cover")
    return start, assignment.shift.end


def describe(org: Org, piece: Assignment) -> str:
    """Word a cover piece for pages: 'Tue 18:00 – 23:00 covered by Dan Ortiz' (team-local)."""
    team = org.teams_by_id.get(piece.shift.team)
    zone = team.timezone if team else "UTC"
    start, end = local_clock(piece.start, zone), local_clock(piece.end, zone)
    if start[:14] == end[:14]:  # the same local day: show the end's clock only
        end = end[-5:]
    return f"{start} – {end} covered by {name_of(org, piece.person)}"
