"""Shifts and points: team-local handoffs, DST, follow-the-sun slots, holidays and rounding."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from support.builders import make_person, make_team

from scheduler.domain.model import Assignment, Horizon, Org, RoleWeights, Slot, Weights
from scheduler.domain.points import DayCalendar, round_half_up
from scheduler.domain.shifts import make_problem, team_shifts

BERLIN, NEW_YORK, KOLKATA = "Europe/Berlin", "America/New_York", "Asia/Kolkata"


def org_of(*teams, **fields) -> Org:
    members = sorted({m for t in teams for m in t.members})
    people = tuple(make_person(m, teams[0].timezone) for m in members)
    return Org(name="Acme", timezone=teams[0].timezone, people=people, teams=teams, **fields)


def local(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


# --- weekly shifts over a daylight-saving change ---------------------------------------------

# (zone, Monday of the week that holds the change, hours of that week's shift)
DST_WEEKS = [
    (BERLIN, date(2027, 3, 22), 167),  # clocks go forward on Sunday 2027-03-28
    (NEW_YORK, date(2027, 3, 8), 167),  # Sunday 2027-03-14
    (BERLIN, date(2027, 10, 25), 169),  # clocks go back on Sunday 2027-10-31
    (NEW_YORK, date(2027, 11, 1), 169),  # Sunday 2027-11-07
]


@pytest.mark.parametrize(("zone", "monday", "hours"), DST_WEEKS)
def test_weekly_shift_over_a_dst_change_has_its_real_hours(zone, monday, hours) -> None:
    team = make_team("ops", ["ann"], zone, handoff=time(9, 0))
    first, second = team_shifts(team, Horizon(start=monday, weeks=2))
    assert first.hours == hours
    assert second.hours == 168
    for shift in (first, second):
        assert local(shift.start, zone).time() == time(9, 0)
        assert local(shift.end, zone).time() == time(9, 0)
        assert local(shift.start, zone).weekday() == 0
    assert first.end == second.start


@pytest.mark.parametrize(("zone", "monday", "hours"), DST_WEEKS)
def test_points_count_real_hours_across_dst(zone, monday, hours) -> None:
    team = make_team("ops", ["ann"], zone, handoff=time(9, 0))
    org = org_of(team)
    shift = team_shifts(team, Horizon(start=monday, weeks=1))[0]
    calendar = DayCalendar(org)
    by_kind = calendar.hours_by_kind(team, shift.start, shift.end)
    # Mon 09:00 to Mon 09:00: 15 + 4 x 24 + 9 weekday hours; the weekend absorbs the change.
    assert by_kind == {"weekday": 120, "weekend": hours - 120, "holiday": 0}
    weekend = hours - 120
    assert calendar.points("ops", "primary", shift.start, shift.end) == (120 * 2 + weekend * 3) * 2
    assert calendar.points("ops", "secondary", shift.start, shift.end) == 120 * 2 + weekend * 3
    assert calendar.points("ops", "shadow", shift.start, shift.end) == 0
    assignment = Assignment(shift=shift, role="primary", person="ann")
    assert calendar.points_of(assignment) == (120 * 2 + weekend * 3) * 2


def test_spring_week_scores_fewer_points_than_a_plain_week() -> None:
    team = make_team("ops", ["ann"], BERLIN)
    calendar = DayCalendar(org_of(team))
    spring, plain = team_shifts(team, Horizon(start=date(2027, 3, 22), weeks=2))
    assert calendar.points("ops", "primary", spring.start, spring.end) == 762  # 167 h
    assert calendar.points("ops", "primary", plain.start, plain.end) == 768  # 168 h


# --- team-local handoffs --------------------------------------------------------------------


def test_teams_in_one_org_hand_off_at_their_own_local_time() -> None:
    europe = make_team("eu", ["ann"], BERLIN, handoff=time(9, 0))
    america = make_team("us", ["bob"], NEW_YORK, handoff=time(9, 0))
    india = make_team("in", ["cho"], KOLKATA, handoff=time(9, 0))
    problem = make_problem(org_of(europe, america, india), date(2027, 1, 4), 2)
    for team in (europe, america, india):
        shifts = problem.shifts_of(team.id)
        assert len(shifts) == 2
        for shift in shifts:
            start = local(shift.start, team.timezone)
            assert (start.weekday(), start.time()) == (0, time(9, 0))
    eu, us, ind = (problem.shifts_of(t)[0].start for t in ("eu", "us", "in"))
    assert eu == datetime(2027, 1, 4, 8, 0, tzinfo=UTC)  # CET is UTC+1
    assert us == datetime(2027, 1, 4, 14, 0, tzinfo=UTC)  # EST is UTC-5
    assert ind == datetime(2027, 1, 4, 3, 30, tzinfo=UTC)  # IST is UTC+5:30


def test_horizon_starts_at_local_midnight_and_keeps_shifts_that_start_inside() -> None:
    # Handoff Wednesday 09:00; the horizon Monday 2027-01-04 for two weeks holds two shifts,
    # the first starting on Wednesday, and the one starting after the horizon is left out.
    team = make_team("ops", ["ann"], NEW_YORK, weekday=2, handoff=time(9, 0))
    shifts = team_shifts(team, Horizon(start=date(2027, 1, 4), weeks=2))
    assert [local(s.start, NEW_YORK).date() for s in shifts] == [
        date(2027, 1, 6),
        date(2027, 1, 13),
    ]
    assert local(shifts[-1].end, NEW_YORK).date() == date(2027, 1, 20)
    # A handoff at local midnight of the start day belongs to the horizon; the end's does not.
    midnight = make_team("ops", ["ann"], KOLKATA, handoff=time(0, 0))
    shifts = team_shifts(midnight, Horizon(start=date(2027, 1, 4), weeks=1))
    assert len(shifts) == 1
    assert local(shifts[0].start, KOLKATA) == datetime(2027, 1, 4, tzinfo=ZoneInfo(KOLKATA))


@pytest.mark.parametrize(
    ("zone", "start", "short_day"),
    [
        (BERLIN, date(2027, 3, 22), date(2027, 3, 27)),
        (NEW_YORK, date(2027, 3, 8), date(2027, 3, 13)),
    ],
)
def test_daily_shifts_across_dst_keep_the_local_handoff(zone, start, short_day) -> None:
    team = make_team("ops", ["ann"], zone, shift="daily", handoff=time(9, 0))
    shifts = team_shifts(team, Horizon(start=start, weeks=2))
    assert len(shifts) == 14
    for before, after in zip(shifts, shifts[1:], strict=False):
        assert before.end == after.start
    for shift in shifts:
        assert local(shift.start, zone).time() == time(9, 0)
        assert local(shift.end, zone).time() == time(9, 0)
        expected = 23 if local(shift.start, zone).date() == short_day else 24
        assert shift.hours == expected


def test_daily_shifts_in_autumn_have_one_25_hour_day() -> None:
    team = make_team("ops", ["ann"], BERLIN, shift="daily", handoff=time(9, 0))
    shifts = team_shifts(team, Horizon(start=date(2027, 10, 25), weeks=1))
    assert sorted(s.hours for s in shifts) == [24] * 6 + [25]
    long_day = next(s for s in shifts if s.hours == 25)
    assert local(long_day.start, BERLIN).date() == date(2027, 10, 30)


# --- follow-the-sun slots -------------------------------------------------------------------


def test_follow_the_sun_slots_are_daily_windows_and_a_night_slot_ends_next_day() -> None:
    slots = (Slot(time(8, 0), time(20, 0), "emea"), Slot(time(20, 0), time(8, 0), "amer"))
    team = make_team("edge", ["ann", "bob"], BERLIN, shift="daily", slots=slots)
    shifts = team_shifts(team, Horizon(start=date(2027, 1, 4), weeks=1))
    assert len(shifts) == 14
    day = [s for s in shifts if s.site == "emea"]
    night = [s for s in shifts if s.site == "amer"]
    assert len(day) == len(night) == 7
    for shift in day:
        start, end = local(shift.start, BERLIN), local(shift.end, BERLIN)
        assert (start.time(), end.time(), end.date()) == (time(8), time(20), start.date())
        assert shift.hours == 12
    for shift in night:
        start, end = local(shift.start, BERLIN), local(shift.end, BERLIN)
        assert (start.time(), end.time()) == (time(20), time(8))
        assert end.date() == start.date() + timedelta(days=1)
        assert shift.hours == 12
    # Day and night slots tile the week without gaps or overlap.
    ordered = sorted(shifts)
    for before, after in zip(ordered, ordered[1:], strict=False):
        assert before.end == after.start
    assert len({s.key for s in shifts}) == 14


def test_night_slot_over_the_spring_change_is_11_hours() -> None:
    slots = (Slot(time(8, 0), time(20, 0), "emea"), Slot(time(20, 0), time(8, 0), "amer"))
    team = make_team("edge", ["ann"], BERLIN, shift="daily", slots=slots)
    shifts = team_shifts(team, Horizon(start=date(2027, 3, 22), weeks=1))
    short = [s for s in shifts if s.hours != 12]
    assert len(short) == 1
    assert short[0].hours == 11
    assert local(short[0].start, BERLIN) == datetime(2027, 3, 27, 20, 0, tzinfo=ZoneInfo(BERLIN))


# --- holidays -------------------------------------------------------------------------------


def us_org(**fields) -> tuple[Org, DayCalendar]:
    team = make_team("search", ["ann"], NEW_YORK, shift="daily", handoff=time(0, 0))
    org = org_of(team, holidays=("US",), **fields)
    return org, DayCalendar(org)


def test_us_holiday_weighs_four() -> None:
    org, calendar = us_org()
    team = org.team("search")
    assert calendar.kind(team, date(2027, 1, 18)) == "holiday"  # Martin Luther King Jr. Day
    assert calendar.weight(team, date(2027, 1, 18)) == 4
    assert calendar.weight(team, date(2027, 1, 19)) == 2
    assert calendar.weight(team, date(2027, 1, 16)) == 3
    shift = make_problem(org, date(2027, 1, 18), 1).shifts[0]
    assert calendar.points("search", "primary", shift.start, shift.end) == 24 * 4 * 2


def test_holiday_outweighs_weekend_and_observed_days_count() -> None:
    org, calendar = us_org()
    team = org.team("search")
    assert calendar.kind(team, date(2027, 7, 4)) == "holiday"  # a Sunday
    assert calendar.kind(team, date(2027, 7, 5)) == "holiday"  # observed on the Monday
    assert calendar.kind(team, date(2027, 7, 3)) == "weekend"


def test_team_holidays_override_the_org_list_and_extra_dates_count() -> None:
    india = make_team("data", ["ann"], KOLKATA, shift="daily", holidays=("IN",))
    org = org_of(india, holidays=("US",), extra_holidays=(date(2027, 3, 3),))
    calendar = DayCalendar(org)
    assert calendar.kind(india, date(2027, 1, 18)) == "weekday"  # a US holiday only
    assert calendar.kind(india, date(2027, 1, 26)) == "holiday"  # Republic Day
    assert calendar.kind(india, date(2027, 3, 3)) == "holiday"  # extra_holidays


def test_holiday_hours_are_split_at_local_midnight() -> None:
    # A weekly New York shift Monday 10:00 to Monday 10:00 from MLK Day: 14 holiday hours.
    team = make_team("search", ["ann"], NEW_YORK, handoff=time(10, 0))
    org = org_of(team, holidays=("US",))
    calendar = DayCalendar(org)
    shift = team_shifts(team, Horizon(start=date(2027, 1, 18), weeks=1))[0]
    hours = calendar.hours_by_kind(team, shift.start, shift.end)
    assert hours == {"holiday": 14, "weekday": 96 + 10, "weekend": 48}
    assert (
        calendar.points("search", "primary", shift.start, shift.end)
        == (14 * 4 + 106 * 2 + 48 * 3) * 2
    )


# --- rounding -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "rounded"),
    [
        (Fraction(1, 2), 1),
        (Fraction(3, 2), 2),
        (Fraction(5, 2), 3),  # banker's rounding would give 2
        (Fraction(49, 100), 0),
        (Fraction(51, 100), 1),
        (Fraction(7), 7),
    ],
)
def test_round_half_up(value, rounded) -> None:
    assert round_half_up(value) == rounded


def test_points_round_halves_up() -> None:
    team = make_team("ops", ["ann"], "UTC")
    org = org_of(
        team,
        weights=Weights(weekday=1, weekend=1, holiday=1),
        role_weights=RoleWeights(primary=1, secondary=1, shadow=0),
    )
    calendar = DayCalendar(org)
    start = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    assert calendar.points("ops", "primary", start, start + timedelta(minutes=150)) == 3  # 2.5
    assert calendar.points("ops", "primary", start, start + timedelta(minutes=30)) == 1  # 0.5
    assert calendar.points("ops", "primary", start, start + timedelta(minutes=29)) == 0
