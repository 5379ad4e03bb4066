"""Rest on the wall clock (docs/rules.md#4-rest): a week is 7 days and 12h is 20:00 to 08:00,
local time, whatever the clocks do overnight; measured in the zone of the shift that ends first."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from support.builders import make_person, make_team

from scheduler.domain import rules
from scheduler.domain.eligibility import history_blocks, rest_between, too_close
from scheduler.domain.model import Assignment, Horizon, Org, Plan, Problem, Shift
from scheduler.domain.shifts import make_problem, team_shifts

NY, LONDON = "America/New_York", "Europe/London"
SPRING = date(2027, 3, 13)  # New York springs forward early on Sunday 14 March 2027
AUTUMN = date(2027, 11, 6)  # and falls back early on Sunday 7 November 2027


def local(day: date, clock: str, zone: str = NY) -> datetime:
    """Return a local wall-clock time as the domain keeps it, in UTC."""
    return datetime.combine(day, time.fromisoformat(clock), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def day_shift(team: str, day: date, start: str, end: str, zone: str = NY) -> Shift:
    """A shift from `start` on `day` to `end` (the next day when earlier), local time."""
    end_day = day + timedelta(days=1) if end <= start else day
    return Shift(team=team, start=local(day, start, zone), end=local(end_day, end, zone))


def twelve_hour_org(zone: str = NY, other_zone: str = NY) -> Org:
    people = (make_person("ann", zone, name="Ann Lee"),)
    teams = (
        make_team("day", ["ann"], zone, min_rest=timedelta(hours=12)),
        make_team("early", ["ann"], other_zone, min_rest=timedelta(hours=12)),
    )
    return Org(name="Acme", timezone=zone, people=people, teams=teams)


def rest_messages(org: Org, *shifts: Shift) -> list[str]:
    """Run the rulebook's rest rule alone on Ann holding each of `shifts`."""
    problem = Problem(org=org, horizon=Horizon(SPRING, 1), shifts=shifts)
    plan = Plan(tuple(Assignment(s, "primary", "ann") for s in shifts))
    return [v.message for v in rules.rest(problem, plan)]


@pytest.mark.parametrize("night", [SPRING, AUTUMN], ids=["spring", "autumn"])
def test_twelve_hours_from_20_00_is_08_00_the_next_morning(night) -> None:
    org = twelve_hour_org()
    evening = day_shift("day", night, "08:00", "20:00")
    morning = day_shift("early", night + timedelta(days=1), "08:00", "12:00")
    assert rest_between(org, evening, morning) == timedelta(hours=12)
    assert not too_close(org, evening, morning)
    assert rest_messages(org, evening, morning) == []


@pytest.mark.parametrize("night", [SPRING, AUTUMN], ids=["spring", "autumn"])
def test_twelve_hours_from_20_00_is_not_07_00(night) -> None:
    org = twelve_hour_org()
    evening = day_shift("day", night, "08:00", "20:00")
    morning = day_shift("early", night + timedelta(days=1), "07:00", "12:00")
    assert too_close(org, evening, morning) and too_close(org, morning, evening)
    (message,) = rest_messages(org, evening, morning)
    assert message.startswith("Ann Lee has only 11h off between primary on Day, shift Sat")
    assert message.endswith("needs at least 12h.")


def test_real_hours_differ_from_the_wall_clock_across_the_change() -> None:
    # The point of the rule: 11 real hours in spring and 12 in autumn, both read as 20:00 to
    # 07:00 or 08:00 on the clock the team lives by.
    evening = day_shift("day", SPRING, "08:00", "20:00")
    morning = day_shift("early", SPRING + timedelta(days=1), "08:00", "12:00")
    assert morning.start - evening.end == timedelta(hours=11)
    evening = day_shift("day", AUTUMN, "08:00", "20:00")
    morning = day_shift("early", AUTUMN + timedelta(days=1), "07:00", "12:00")
    assert morning.start - evening.end == timedelta(hours=12)


def test_rest_is_read_on_the_clock_of_the_shift_that_ends_first() -> None:
    # Ann's New York shift ends at 20:00 before the spring change; a London shift starts at
    # 12:00 London time, 08:00 in New York: 12h on New York's clock, though London's reads 11h.
    org = twelve_hour_org(NY, LONDON)
    evening = day_shift("day", SPRING, "08:00", "20:00")
    morning = day_shift("early", SPRING + timedelta(days=1), "12:00", "16:00", LONDON)
    assert rest_between(org, evening, morning) == timedelta(hours=12)
    assert rest_messages(org, evening, morning) == []


def weekly_org() -> Org:
    """Three people in New York, weekly primary from Monday 10:00, a week off after each."""
    people = tuple(make_person(p, NY) for p in ("ann", "bob", "cat"))
    team = make_team("ops", ["ann", "bob", "cat"], NY, handoff=time(10), min_rest=timedelta(7))
    return Org(name="Acme", timezone=NY, people=people, teams=(team,))


def test_a_week_off_across_the_spring_change_is_a_week() -> None:
    # Monday 8 March 10:00 to Monday 15 March 10:00 is 167 real hours, and 7d on the clock.
    org = weekly_org()
    problem = make_problem(org, date(2027, 3, 1), 3)
    first, second, third = problem.shifts
    assert third.start - first.end == timedelta(hours=167)
    weeks = [("ann", first), ("bob", second), ("ann", third)]
    plan = Plan(tuple(Assignment(s, "primary", p) for p, s in weeks))
    assert rules.check(problem, plan) == []


def test_history_before_the_horizon_counts_on_the_wall_clock() -> None:
    # Ann was on call the week of 1 March; the horizon starts 15 March, after the spring change:
    # her week off (167 real hours) is enough, so she may take the first shift. Bob, on call
    # until the horizon starts, may not.
    org = weekly_org()
    past = team_shifts(org.teams[0], Horizon(date(2027, 3, 1), 2))
    history = (Assignment(past[0], "primary", "ann"), Assignment(past[1], "primary", "bob"))
    org = dataclasses.replace(org, history=history)
    problem = make_problem(org, date(2027, 3, 15), 2)
    first = problem.shifts[0]
    assert not history_blocks(problem, "ann", first)
    assert history_blocks(problem, "bob", first)
    plan = Plan(
        (Assignment(first, "primary", "ann"), Assignment(problem.shifts[1], "primary", "bob"))
    )
    assert rules.check(problem, plan) == []
