"""Burden points: weight of each real on-call hour by the kind of local day, times the role."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from fractions import Fraction
from functools import lru_cache
from zoneinfo import ZoneInfo

from scheduler.domain.model import Assignment, Org, Team
from scheduler.domain.shifts import local_midnight


@lru_cache(maxsize=256)
def _country_days(country: str, year: int) -> frozenset[date]:
    import holidays as holiday_calendars  # a tenth of a second to load: only when asked

    return frozenset(holiday_calendars.country_holidays(country, years=year).keys())


@lru_cache(maxsize=64)
def is_known_country(country: str) -> bool:
    """Tell whether the holidays package knows the country code (e.g. "US", "DE").

    Asks for that one country's calendar: listing every supported country imports all of
    them (about a second).
    """
    if not re.fullmatch("[A-Z]{2}", country):
        return False  # ISO 3166-1 alpha-2 only, as the org file's format says
    import holidays as holiday_calendars

    try:
        holiday_calendars.country_holidays(country)
    except NotImplementedError:
        return False
    return True


class DayCalendar:
    """Tell the kind of a team-local day: holiday, weekend or weekday."""

    def __init__(self, org: Org):
        self.org = org
        self._extra = frozenset(org.extra_holidays)
        self._points: dict[tuple[str, str, datetime, datetime], int] = {}

    def countries(self, team: Team) -> tuple[str, ...]:
        """Return the holiday countries of a team: its own list, else the org's."""
        return team.holidays or self.org.holidays

    def is_holiday(self, team: Team, day: date) -> bool:
        """Tell whether a team-local day is a holiday (observed days and extras included)."""
        if day in self._extra:
            return True
        return any(day in _country_days(c, day.year) for c in self.countries(team))

    def kind(self, team: Team, day: date) -> str:
        """Return "holiday", "weekend" or "weekday" for a team-local day (holidays first)."""
        if self.is_holiday(team, day):
            return "holiday"
        return "weekend" if day.weekday() >= 5 else "weekday"

    def weight(self, team: Team, day: date) -> int:
        """Return the points per on-call hour of a team-local day."""
        return getattr(self.org.weights, self.kind(team, day))

    def hours_by_kind(self, team: Team, start: datetime, end: datetime) -> dict[str, Fraction]:
        """Split real hours in `[start, end)` by the kind of the team-local day they fall on."""
        zone = ZoneInfo(team.timezone)
        hours = {"weekday": Fraction(0), "weekend": Fraction(0), "holiday": Fraction(0)}
        day = start.astimezone(zone).date()
        cursor = start
        while cursor < end:
            next_midnight = local_midnight(day + timedelta(days=1), team.timezone)
            piece_end = min(end, next_midnight)
            seconds = int((piece_end - cursor).total_seconds())
            hours[self.kind(team, day)] += Fraction(seconds, 3600)
            cursor = piece_end
            day += timedelta(days=1)
        return hours

    def points(self, team_id: str, role: str, start: datetime, end: datetime) -> int:
        """Return the rounded points of holding `role` for `team_id` over `[start, end)`.

        Remembered per calendar: a shift's points are asked once for each person who may take
        it (a tenth of the time of planning 1,200 people went to recomputing them).
        """
        key = (team_id, role, start, end)
        found = self._points.get(key)
        if found is None:
            found = self._points[key] = self._compute_points(team_id, role, start, end)
        return found

    def _compute_points(self, team_id: str, role: str, start: datetime, end: datetime) -> int:
        team = self.org.team(team_id)
        weights = self.org.weights
        by_kind = self.hours_by_kind(team, start, end)
        raw = sum(by_kind[kind] * getattr(weights, kind) for kind in by_kind)
        return round_half_up(raw * self.org.role_weights.of(role))

    def points_of(self, assignment: Assignment) -> int:
        """Return the rounded points of an assignment: of the hours it holds, so a piece of a
        shift split by an override earns its own hours, rounded alone (docs/fairness.md#points)."""
        a = assignment
        return self.points(a.shift.team, a.role, a.start, a.end)


def round_half_up(value: Fraction) -> int:
    """Round to the nearest integer, halves up (points are rounded so)."""
    return int((value * 2 + 1) // 2)
