"""Loads, availability, fair shares, load ratios and the Gini coefficient (docs/fairness.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from scheduler.domain.eligibility import joined_at
from scheduler.domain.model import ROLES, Assignment, Problem
from scheduler.domain.points import DayCalendar
from scheduler.domain.shifts import local_midnight


@dataclass(frozen=True)
class Window:
    """The fairness window `[start, end)`: the lookback before the horizon plus the horizon."""

    start: datetime
    horizon_start: datetime
    end: datetime


def fairness_window(problem: Problem) -> Window:
    """Return the lookback plus the horizon, from local midnights in the org's zone."""
    org, horizon = problem.org, problem.horizon
    first = horizon.start - timedelta(weeks=org.lookback_weeks)
    last = horizon.start + timedelta(days=horizon.days)
    return Window(
        start=local_midnight(first, org.timezone),
        horizon_start=local_midnight(horizon.start, org.timezone),
        end=local_midnight(last, org.timezone),
    )


def _merged(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def availability(problem: Problem) -> dict[str, float]:
    """Return fte x hours of the window after `joined` and not on leave, per rotation member."""
    org, window = problem.org, fairness_window(problem)
    result = {}
    for person_id in org.rotation_members:
        person = org.person(person_id)
        start = max(window.start, joined_at(person) or window.start)
        hours = max(0.0, (window.end - start).total_seconds() / 3600)
        clipped = [
            (max(lv.start, start), min(lv.end, window.end)) for lv in org.leave_of(person_id)
        ]
        for lv_start, lv_end in _merged((s, e) for s, e in clipped if s < e):
            hours -= (lv_end - lv_start).total_seconds() / 3600
        result[person_id] = person.fte * max(0.0, hours)
    return result


def history_points(problem: Problem, calendar: DayCalendar) -> dict[str, int]:
    """Return points of past on-call inside the lookback, per rotation member."""
    window = fairness_window(problem)
    result = dict.fromkeys(problem.org.rotation_members, 0)
    for past in problem.org.history:
        start = max(past.start, window.start)
        end = min(past.end, window.end)  # a past shift running into the horizon counts whole
        if past.person in result and start < end and past.shift.team in problem.org.teams_by_id:
            result[past.person] += calendar.points(past.shift.team, past.role, start, end)
    return result


def planned_points(
    problem: Problem, assignments: Iterable[Assignment], calendar: DayCalendar
) -> dict[str, int]:
    """Return the points of the planned assignments, per rotation member (0 for none)."""
    result = dict.fromkeys(problem.org.rotation_members, 0)
    for a in assignments:
        result[a.person] = result.get(a.person, 0) + calendar.points_of(a)
    return result


def fair_shares(total_load: float, available: dict[str, float]) -> dict[str, float]:
    """Split the total load (points) in proportion to availability: the one fair share.

    `S_p = total x A_p / sum(A)` (docs/fairness.md#fair-share); `available` maps person to
    fte-hours. Everyone gets 0 when nobody is available.
    """
    total_available = sum(available.values())
    if total_available <= 0:
        return dict.fromkeys(available, 0.0)
    return {p: total_load * a / total_available for p, a in available.items()}


def load_ratios(loads: dict[str, float], shares: dict[str, float]) -> dict[str, float | None]:
    """Return `L / S` per person; None for someone with no share (never available)."""
    return {p: (loads[p] / shares[p] if shares[p] > 0 else None) for p in loads}


def gini(values: list[float]) -> float:
    """Return the Gini coefficient of non-negative values (0 = all equal)."""
    xs = sorted(v for v in values if v is not None)
    n, total = len(xs), sum(xs)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum((i + 1) * x for i, x in enumerate(xs))
    return (2 * weighted) / (n * total) - (n + 1) / n


def max_ratio(ratios: dict[str, float | None]) -> float:
    """Return the largest load ratio (0 when nobody has one)."""
    return max((r for r in ratios.values() if r is not None), default=0.0)


@dataclass(frozen=True)
class FairnessInputs:
    """The constants of the objective: history, availability, and the fixed total load."""

    history: dict[str, int]
    available: dict[str, float]
    total_load: int
    shares: dict[str, float]


def fairness_inputs(
    problem: Problem, calendar: DayCalendar, shadow_points: int = 0
) -> FairnessInputs:
    """Compute the constants of the objective: history, availability, total load, fair shares.

    Every covered plan has the same primary and secondary points, so the total load is fixed
    once the points of its shadow shifts are (`shadow_points`, which the solver pins when the
    shadow weight is above zero). The shares are `fair_shares` of that total, as in the report.
    """
    history = history_points(problem, calendar)
    available = availability(problem)
    planned = shadow_points
    for shift in problem.shifts:
        for role in problem.roles_of(shift):
            planned += calendar.points(shift.team, role, shift.start, shift.end)
    total = sum(history.values()) + planned
    return FairnessInputs(history, available, total, fair_shares(total, available))


@dataclass(frozen=True)
class PersonFairness:
    """One row of the fairness report: points, fte-hours available, share, ratio, shifts."""

    person: str
    history_points: int
    planned_points: int
    load: int
    available_hours: float
    fair_share: float
    ratio: float | None
    shifts: dict[str, int]
    weekend_hours: float
    holiday_hours: float


@dataclass(frozen=True)
class FairnessReport:
    """How fair a plan is: per person, the max load ratio, its lower bound and the Gini."""

    people: tuple[PersonFairness, ...]
    max_load_ratio: float
    gini: float
    lower_bound: float | None


def fairness_report(
    problem: Problem,
    assignments: Iterable[Assignment],
    calendar: DayCalendar,
    bound: float | None = None,
) -> FairnessReport:
    """Measure a plan: per-person loads, shares and ratios, the max ratio and the Gini."""
    assignments = list(assignments)
    history = history_points(problem, calendar)
    planned = planned_points(problem, assignments, calendar)
    available = availability(problem)
    loads = {p: history[p] + planned.get(p, 0) for p in problem.org.rotation_members}
    shares = fair_shares(sum(loads.values()), available)
    ratios = load_ratios(loads, shares)
    rows = []
    for p in problem.org.rotation_members:
        mine = [a for a in assignments if a.person == p]
        weekend = holiday = 0.0
        for a in mine:
            if a.role == "shadow":
                continue
            hours = calendar.hours_by_kind(problem.org.team(a.shift.team), a.start, a.end)
            weekend += float(hours["weekend"])
            holiday += float(hours["holiday"])
        # A shift split by an override counts once for each person holding part of it.
        shifts = {role: len({a.shift for a in mine if a.role == role}) for role in ROLES}
        rows.append(
            PersonFairness(
                person=p,
                history_points=history[p],
                planned_points=planned.get(p, 0),
                load=loads[p],
                available_hours=available[p],
                fair_share=shares[p],
                ratio=ratios[p],
                shifts=shifts,
                weekend_hours=weekend,
                holiday_hours=holiday,
            )
        )
    return FairnessReport(
        people=tuple(rows),
        max_load_ratio=max_ratio(ratios),
        gini=gini([r for r in ratios.values() if r is not None]),
        lower_bound=bound,
    )
