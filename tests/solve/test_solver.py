"""The solver: properties of its plans (valid, covered, fair), never which plan it picked."""

from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import pytest
from support.builders import build_small_team_org, make_person, make_team

from scheduler.domain import rules
from scheduler.domain.fairness import fairness_report
from scheduler.domain.model import (
    INFEASIBLE,
    OPTIMAL,
    Assignment,
    AvoidRequest,
    Horizon,
    Leave,
    Org,
    Plan,
    Problem,
    Slot,
    Trainee,
)
from scheduler.domain.points import DayCalendar
from scheduler.domain.shifts import local_midnight, make_problem, team_shifts
from scheduler.solve import SolveOptions
from scheduler.solve.bound import lower_bound
from scheduler.solve.phases import solve

START = date(2027, 2, 1)  # a Monday, no daylight-saving change for weeks either side
BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"


def solved(problem: Problem, options: SolveOptions) -> Plan:
    """Solve, and insist on a plan that the rulebook accepts."""
    plan = solve(problem, options)
    assert plan.status != INFEASIBLE
    assert rules.check(problem, plan) == []
    return plan


def planned_points(problem: Problem, plan: Plan) -> dict[str, int]:
    report = fairness_report(problem, plan.assignments, DayCalendar(problem.org))
    return {row.person: row.planned_points for row in report.people}


def whole_days(person: str, first: date, days: int, zone: str = "UTC", kind=Leave) -> Leave:
    """Return leave (or an avoid request) of `days` whole local days from `first`."""
    end = local_midnight(first + timedelta(days), zone)
    return kind(person, local_midnight(first, zone), end)


# --- every plan passes the rulebook, and covers every shift ----------------------------------

ORGS = {
    "weekly primary+secondary, 7d rest": dict(
        people=5, team_fields=dict(roles=("primary", "secondary"), min_rest=timedelta(days=7))
    ),
    "daily primary, 1d rest, New York": dict(
        people=4,
        timezone=NEW_YORK,
        team_fields=dict(shift="daily", min_rest=timedelta(days=1), min_roster=4),
    ),
    "weekly Berlin over the spring change, with leave": dict(
        people=4,
        timezone=BERLIN,
        team_fields=dict(roles=("primary", "secondary"), weekday=3, handoff=time(10)),
        leave=(whole_days("p1", date(2027, 3, 23), 9, BERLIN),),
        start=date(2027, 3, 15),
    ),
    "daily with a trainee and a part-timer, US holidays": dict(
        people=["ann", "bob", "cat", "dan", "tia"],
        timezone=NEW_YORK,
        trainees={"tia": Trainee(shadows=1, secondaries=1)},
        fte={"dan": 0.5},
        holidays=("US",),
        team_fields=dict(shift="daily", roles=("primary", "secondary")),
        start=date(2027, 1, 11),
    ),
}


@pytest.mark.parametrize("spec", ORGS.values(), ids=ORGS.keys())
def test_plans_pass_the_rulebook_and_cover_every_role_once(spec, fast) -> None:
    spec = dict(spec)
    start = spec.pop("start", START)
    org = build_small_team_org(**spec)
    problem = make_problem(org, start, 3)
    plan = solved(problem, fast)

    held = Counter((a.shift, a.role) for a in plan.assignments)
    roles = org.teams[0].rotation.roles
    for shift in problem.shifts:
        for role in roles:
            assert held[(shift, role)] == 1
        assert held[(shift, "shadow")] <= 1
    rotation_roles = [a for a in plan.assignments if a.role != "shadow"]
    assert len(rotation_roles) == len(problem.shifts) * len(roles)
    assert {a.shift for a in plan.assignments} == set(problem.shifts)
    assert plan.status == OPTIMAL
    assert plan.solve_seconds < fast.time_limit


def test_plan_uses_at_least_the_minimum_roster(fast, small_team_org) -> None:
    # Four weekly shifts, primary only: a minimum roster of 4 means everyone takes one.
    org = small_team_org(4, team_fields=dict(min_roster=4))
    problem = make_problem(org, START, 4)
    plan = solved(problem, fast)
    assert {a.person for a in plan.assignments} == set(org.teams[0].members)


# --- people in two teams ---------------------------------------------------------------------


def test_a_person_in_two_teams_is_never_on_call_twice_at_once(fast) -> None:
    # Sam sits in a daily Berlin rotation and a daily New York one; Bob's week away in New
    # York leaves Sam to take some of its shifts, which the Berlin shifts then overlap.
    people = tuple(make_person(p, BERLIN) for p in ("sam", "ann", "amy")) + tuple(
        make_person(p, NEW_YORK) for p in ("bob", "ben")
    )
    teams = (
        make_team("eu", ["sam", "ann", "amy"], BERLIN, shift="daily"),
        make_team("us", ["sam", "bob", "ben"], NEW_YORK, shift="daily", handoff=time(10)),
    )
    org = Org(
        name="Acme",
        timezone="UTC",
        people=people,
        teams=teams,
        leave=(whole_days("bob", START + timedelta(days=7), 7, NEW_YORK),),
    )
    problem = make_problem(org, START, 2)
    plan = solved(problem, fast)
    sams = sorted(plan.of_person("sam"))
    assert {a.shift.team for a in sams} == {"eu", "us"}
    for i, first in enumerate(sams):
        for second in sams[i + 1 :]:
            assert not first.shift.overlaps(second.shift.start, second.shift.end)


def test_rest_between_teams_uses_the_larger_min_rest(fast) -> None:
    people = tuple(make_person(p) for p in ("sam", "ann", "amy", "bob", "ben"))
    teams = (
        make_team("a", ["sam", "ann", "amy"], min_rest=timedelta(days=7)),
        make_team("b", ["sam", "bob", "ben"], weekday=3),
    )
    org = Org(name="Acme", timezone="UTC", people=people, teams=teams)
    problem = make_problem(org, START, 4)
    plan = solved(problem, fast)
    sams = sorted(plan.of_person("sam"))
    for first, second in zip(sams, sams[1:], strict=False):
        assert second.shift.start - first.shift.end >= timedelta(days=7)


# --- rest across history ---------------------------------------------------------------------


@pytest.mark.parametrize("min_rest", [timedelta(days=1), timedelta(days=7)])
def test_whoever_was_on_call_before_the_horizon_does_not_start_it(
    min_rest, fast, small_team_org
) -> None:
    org = small_team_org(3, team_fields=dict(min_rest=min_rest))
    last_week = team_shifts(org.teams[0], Horizon(start=START - timedelta(days=7), weeks=1))[0]
    org = dataclasses.replace(org, history=(Assignment(last_week, "primary", "p0"),))
    problem = make_problem(org, START, 3)
    plan = solved(problem, fast)
    first_shift = min(problem.shifts)
    assert first_shift.start == last_week.end
    assert all(a.person != "p0" for a in plan.assignments if a.shift == first_shift)


# --- training --------------------------------------------------------------------------------


def test_trainee_shadows_a_trained_primary_then_progresses(fast, small_team_org) -> None:
    org = small_team_org(
        ["ann", "bob", "cat", "dan", "tia"],
        trainees={"tia": Trainee(shadows=2, secondaries=1)},
        team_fields=dict(roles=("primary", "secondary")),
    )
    problem = make_problem(org, START, 6)
    plan = solved(problem, fast)
    mine = sorted(plan.of_person("tia"))
    shadows = [a for a in mine if a.role == "shadow"]
    assert len(shadows) == 2
    primary_of = {a.shift: a.person for a in plan.assignments if a.role == "primary"}
    for shadow in shadows:
        assert primary_of[shadow.shift] != "tia"
        assert not org.person(primary_of[shadow.shift]).is_trainee
    shadows_end = max(a.shift.end for a in shadows)
    secondaries = [a for a in mine if a.role == "secondary"]
    primaries = [a for a in mine if a.role == "primary"]
    # Progress: fairness gives the trainee real work once their shadows are done.
    assert secondaries, "the trainee never moves on from shadowing"
    assert all(a.shift.start >= shadows_end for a in secondaries + primaries)
    for primary in primaries:
        assert sum(s.shift.end <= primary.shift.start for s in secondaries) >= 1


def test_only_trainees_shadow(fast, small_team_org) -> None:
    org = small_team_org(
        4,
        trainees={"p3": Trainee(shadows=1)},
        team_fields=dict(shift="daily", roles=("primary", "secondary")),
    )
    plan = solved(make_problem(org, START, 1), fast)
    assert [a.person for a in plan.assignments if a.role == "shadow"] == ["p3"]


# --- follow-the-sun --------------------------------------------------------------------------


def test_follow_the_sun_slots_take_only_people_of_their_site(fast) -> None:
    people = tuple(make_person(p, BERLIN, site="emea") for p in ("ann", "amy", "ada")) + tuple(
        make_person(p, NEW_YORK, site="amer") for p in ("bob", "ben", "bea")
    )
    slots = (Slot(time(8), time(20), "emea"), Slot(time(20), time(8), "amer"))
    team = make_team("edge", [p.id for p in people], BERLIN, shift="daily", slots=slots)
    org = Org(name="Acme", timezone="UTC", people=people, teams=(team,))
    problem = make_problem(org, START, 1)
    plan = solved(problem, fast)
    assert len(plan.assignments) == 14
    for a in plan.assignments:
        assert org.person(a.person).site == a.shift.site


# --- a previous plan and `now` ---------------------------------------------------------------


def replan_org(small_team_org) -> Org:
    return small_team_org(
        6, team_fields=dict(roles=("primary", "secondary"), min_rest=timedelta(days=7))
    )


def test_replanning_unchanged_keeps_the_whole_plan(fast, small_team_org) -> None:
    org = replan_org(small_team_org)
    first = solved(make_problem(org, START, 8), fast)
    now = datetime(2027, 2, 10, 12, 0, tzinfo=UTC)
    again = solved(make_problem(org, START, 8, previous=first.assignments, now=now), fast)
    assert set(again.assignments) == set(first.assignments)


def test_replanning_with_one_more_leave_week_keeps_started_shifts(fast, small_team_org) -> None:
    org = replan_org(small_team_org)
    first = solved(make_problem(org, START, 8), fast)
    week4 = local_midnight(START + timedelta(weeks=4), "UTC")
    who = next(a.person for a in first.assignments if a.shift.start.date() == week4.date())
    away = dataclasses.replace(org, leave=(whole_days(who, week4.date(), 7),))
    now = datetime(2027, 2, 10, 12, 0, tzinfo=UTC)  # during week 2
    problem = make_problem(away, START, 8, previous=first.assignments, now=now)
    second = solved(problem, fast)

    started = {a for a in first.assignments if a.shift.start < now}
    assert started and started <= set(second.assignments)
    assert {a for a in second.assignments if a.shift.start < now} == started
    future = {a for a in first.assignments if a.shift.start >= now}
    changed = future - set(second.assignments)
    assert any(a.person == who for a in changed), "the leave week had to change"
    assert len(changed) <= 4, sorted(changed)


# --- avoid requests --------------------------------------------------------------------------


def test_avoid_requests_are_honoured_when_fairness_allows(fast, small_team_org) -> None:
    # Four equal people, four equal weeks: whoever avoids a week can take another at no cost.
    for week in range(4):
        first = START + timedelta(weeks=week)
        avoid = whole_days("p0", first, 7, kind=AvoidRequest)
        org = small_team_org(4, team_fields=dict(min_roster=4), avoid=(avoid,))
        problem = make_problem(org, START, 4)
        plan = solved(problem, fast)
        for a in plan.of_person("p0"):
            assert not a.shift.overlaps(avoid.start, avoid.end), f"week {week}"


# --- fairness --------------------------------------------------------------------------------


def test_tight_case_reaches_the_lower_bound(fast, small_team_org) -> None:
    # Four identical people, daily primary, no holidays, four weeks: everyone can get exactly
    # five weekdays and two weekend days, so the best max load ratio is 1 and provably so.
    org = small_team_org(4, team_fields=dict(shift="daily"))
    problem = make_problem(org, START, 4)
    plan = solved(problem, fast)
    calendar = DayCalendar(org)
    report = fairness_report(problem, plan.assignments, calendar)
    bound = lower_bound(problem, calendar)
    assert plan.status == OPTIMAL
    assert report.max_load_ratio == pytest.approx(bound, abs=1e-3)
    assert report.max_load_ratio == pytest.approx(1.0, abs=1e-9)
    assert report.gini == pytest.approx(0.0, abs=1e-9)


def test_leave_for_half_the_horizon_halves_the_share(fast, small_team_org) -> None:
    # No lookback: the fairness window is the horizon, half of which p0 spends on leave.
    org = small_team_org(
        4,
        team_fields=dict(shift="daily"),
        lookback_weeks=0,
        leave=(whole_days("p0", START, 28),),
    )
    problem = make_problem(org, START, 8)
    plan = solved(problem, fast)
    report = fairness_report(problem, plan.assignments, DayCalendar(org))
    rows = {row.person: row for row in report.people}
    others = [rows[p] for p in ("p1", "p2", "p3")]
    for other in others:
        assert rows["p0"].fair_share == pytest.approx(0.5 * other.fair_share, rel=1e-9)
    mean_other = sum(o.planned_points for o in others) / len(others)
    assert 0.4 <= rows["p0"].planned_points / mean_other <= 0.6
    for row in report.people:
        assert row.planned_points == pytest.approx(row.fair_share, rel=0.1)


def test_part_timer_gets_a_share_in_proportion_to_fte(fast, small_team_org) -> None:
    org = small_team_org(4, team_fields=dict(shift="daily"), fte={"p0": 0.5})
    problem = make_problem(org, START, 4)
    plan = solved(problem, fast)
    points = planned_points(problem, plan)
    mean_other = sum(points[p] for p in ("p1", "p2", "p3")) / 3
    assert 0.4 <= points["p0"] / mean_other <= 0.6


def test_heavy_history_means_fewer_planned_points(fast, small_team_org) -> None:
    org = small_team_org(4)
    past = team_shifts(org.teams[0], Horizon(start=START - timedelta(weeks=6), weeks=2))
    org = dataclasses.replace(org, history=tuple(Assignment(s, "primary", "p0") for s in past))
    problem = make_problem(org, START, 4)
    plan = solved(problem, fast)
    points = planned_points(problem, plan)
    assert points["p0"] < min(points[p] for p in ("p1", "p2", "p3"))


def test_solver_bound_is_never_above_the_ratio_found(fast, small_team_org) -> None:
    # Three people, weekly primary, two weeks from the one with the spring change (167 h):
    # the best max load ratio is 768 / 510 = 1.50588..., not a whole number of 1/10,000.
    org = small_team_org(3, BERLIN, lookback_weeks=0)
    problem = make_problem(org, date(2027, 3, 22), 2)
    plan = solved(problem, fast)
    found = fairness_report(problem, plan.assignments, DayCalendar(org)).max_load_ratio
    assert found == pytest.approx(768 / 510)
    assert plan.status == OPTIMAL
    assert plan.solver_bound <= found, (
        f"solver_bound {plan.solver_bound} claims no plan beats {plan.solver_bound}, "
        f"yet this plan reaches {found}"
    )


def test_short_horizon_asks_only_the_roster_that_fits(fast, small_team_org) -> None:
    # min_roster 4, but two weekly primary shifts can use only two people. The rulebook asks
    # only for what fits (rules.roster) and accepts such a plan; the solver must find one too.
    org = small_team_org(4, team_fields=dict(min_roster=4))
    problem = make_problem(org, START, 2)
    by_hand = Plan(
        tuple(
            Assignment(s, "primary", p) for s, p in zip(problem.shifts, ("p0", "p1"), strict=True)
        )
    )
    assert rules.check(problem, by_hand) == []
    plan = solve(problem, fast)
    assert plan.status != INFEASIBLE, "the rulebook accepts a plan, the solver finds none"
    assert rules.check(problem, plan) == []
