"""How the rulebook sees who holds what: the stretch each person holds, grouped by person, and
the words that name it (docs/rules.md). Split out of rules.py to keep each module small.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import time, timedelta
from zoneinfo import ZoneInfo

from scheduler.domain.model import Assignment, Leave, Org, Plan, Problem, Shift
from scheduler.domain.text import and_list, shift_label


@dataclass(frozen=True, order=True)
class Span(Shift):
    """The stretch one person holds (a whole shift, or a piece of it), and the shift it is of."""

    origin: Shift | None = None


def span_of(a: Assignment) -> Span:
    """Return the stretch an assignment holds (the shift, or its piece) as a Span."""
    return Span(a.start, a.shift.team, a.end, a.shift.site, a.shift)


def held_by_person(problem: Problem, plan: Plan) -> dict[str, dict[Span, tuple[list, bool]]]:
    """Group planned and past assignments of each planned person by the stretch they hold
    (`Span`, whose `origin` is the shift), with their roles and pastness."""
    planned_shifts = {a.shift for a in plan.assignments}
    people = {a.person for a in plan.assignments}
    grouped: dict[str, dict[Span, tuple[list, bool]]] = defaultdict(dict)
    for a in plan.assignments:
        grouped[a.person].setdefault(span_of(a), ([], False))[0].append(a.role)
    # The plan is the truth for its own shifts; history matters only where it ends before them.
    for a in problem.org.history:
        if a.person in people and a.shift not in planned_shifts:
            grouped[a.person].setdefault(span_of(a), ([], True))[0].append(a.role)
    return grouped


def held(org: Org, a: Assignment) -> str:
    """Word what an assignment holds: 'primary on Search, shift Mon ... – ... (zone)'."""
    return f"{a.role} on {shift_label(org, a.span)}"


def span_words(org: Org, a: Assignment) -> str:
    """Word a piece of a shift on its team's clock: 'Tue 2027-01-05 18:00 – Tue ... 23:00'."""
    return shift_label(org, a.span).split(", shift ", 1)[-1]


def held_on(org: Org, shift: Shift, roles: list[str], past: bool) -> str:
    """Word the roles someone holds on a shift, marking history as past."""
    held = f"{and_list(sorted(set(roles)))} on {shift_label(org, shift)}"
    return held + (" (past)" if past else "")


def leave_span(org: Org, away: Leave) -> str:
    """Show leave as the person sees it: inclusive local dates when it is whole days."""
    person = org.people_by_id.get(away.person)
    zone_name = person.timezone if person else org.timezone
    zone = ZoneInfo(zone_name)
    start, end = away.start.astimezone(zone), away.end.astimezone(zone)
    if start.time() == time(0) and end.time() == time(0):
        last = end.date() - timedelta(days=1)
        return f"{start:%Y-%m-%d}" + ("" if last == start.date() else f" – {last:%Y-%m-%d}")
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M} ({zone_name})"
