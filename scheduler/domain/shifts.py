"""Turn a rotation and a horizon into shifts: team-local handoffs, correct across DST."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.domain.model import Horizon, Org, Problem, Shift, Team
from scheduler.domain.training import carry_over


def local_midnight(day: date, timezone: str) -> datetime:
    """Return the start of `day` in `timezone`, as an aware UTC datetime."""
    return at_local(day, time(0, 0), timezone)


def at_local(day: date, clock: time, timezone: str) -> datetime:
    """Return the UTC instant of a team-local wall-clock time (gaps resolve forward)."""
    return datetime.combine(day, clock, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def team_horizon(team: Team, horizon: Horizon) -> tuple[datetime, datetime]:
    """Return `[start, end)` of the horizon in UTC, from local midnights in the team's zone."""
    end_day = horizon.start + timedelta(days=horizon.days)
    return local_midnight(horizon.start, team.timezone), local_midnight(end_day, team.timezone)


def team_shifts(team: Team, horizon: Horizon) -> list[Shift]:
    """Return the team's shifts that start inside the horizon, in time order."""
    rotation = team.rotation
    start, end = team_horizon(team, horizon)
    # One day either side catches handoffs that local midnight shifts across the boundary.
    days = [horizon.start + timedelta(days=i) for i in range(-1, horizon.days + 8)]
    shifts: list[Shift] = []
    if rotation.slots:
        for day in days:
            for slot in rotation.slots:
                slot_end_day = day + timedelta(days=1) if slot.end <= slot.start else day
                shifts.append(
                    Shift(
                        team=team.id,
                        start=at_local(day, slot.start, team.timezone),
                        end=at_local(slot_end_day, slot.end, team.timezone),
                        site=slot.site,
                    )
                )
    else:
        step = 7 if rotation.shift == "weekly" else 1
        handoffs = [
            at_local(day, rotation.handoff, team.timezone)
            for day in days
            if rotation.shift == "daily" or day.weekday() == rotation.handoff_weekday
        ]
        for first in handoffs:
            next_day = first.astimezone(ZoneInfo(team.timezone)).date() + timedelta(days=step)
            shifts.append(
                Shift(
                    team=team.id,
                    start=first,
                    end=at_local(next_day, rotation.handoff, team.timezone),
                )
            )
    return sorted(s for s in shifts if start <= s.start < end)


def make_problem(org: Org, start: date, weeks: int, previous=(), now=None) -> Problem:
    """Build the planning problem for an org over `weeks` weeks from `start`.

    Trainees' requirements are reduced by the training their history holds before the horizon
    (`training.carry_over`, docs/rules.md#training-that-carries-over).
    """
    horizon = Horizon(start=start, weeks=weeks)
    org = carry_over(org, local_midnight(start, org.timezone))
    shifts = tuple(s for team in org.teams for s in team_shifts(team, horizon))
    return Problem(org=org, horizon=horizon, shifts=shifts, previous=tuple(previous), now=now)


def week_index(problem: Problem, shift: Shift) -> int:
    """Return the horizon week (0-based) a shift starts in, on its team's local calendar."""
    zone = ZoneInfo(problem.org.team(shift.team).timezone)
    days = (shift.start.astimezone(zone).date() - problem.horizon.start).days
    return max(0, min(problem.horizon.weeks - 1, days // 7))


def history_before(org: Org, start: date) -> tuple[Org, int]:
    """Return the org with only the history that starts before `start` (team-local midnight),
    and how many entries were left out: history is past on-call, and an org file's history may
    run into the weeks being planned (a sample org, a quarter planned again); counted there
    it would credit people with shifts the plan gives to others."""
    kept = tuple(
        past
        for past in org.history
        if past.shift.start < local_midnight(start, org.team(past.shift.team).timezone)
    )
    return replace(org, history=kept), len(org.history) - len(kept)
