"""The exact spread, reproducible plans and one fair share: small problems, fixed seeds."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from support.builders import build_small_team_org

from scheduler.domain import rules
from scheduler.domain.fairness import fairness_report
from scheduler.domain.model import (
    INFEASIBLE,
    Assignment,
    Leave,
    Plan,
    Problem,
    RoleWeights,
    Trainee,
)
from scheduler.domain.points import DayCalendar
from scheduler.domain.shifts import local_midnight, make_problem
from scheduler.solve import SolveOptions, plan_or_explain
from scheduler.solve.options import RATIO, SPREAD, Progress
from scheduler.solve.phases import solve

START = date(2027, 2, 1)  # a Monday, far from daylight-saving changes
EXACT = SolveOptions(time_limit=30, effort=4.0)  # deterministic budget, ample for these sizes


def spread(problem: Problem, assignments) -> tuple[float, float]:
    """Return (max load ratio, sum of squared deviations from the fair shares) of a plan."""
    report = fairness_report(problem, assignments, DayCalendar(problem.org))
    deviations = sum((row.load - row.fair_share) ** 2 for row in report.people if row.fair_share)
    return report.max_load_ratio, deviations


def every_valid_plan(problem: Problem) -> list[Plan]:
    choices = []
    for shift in problem.shifts:
        team = problem.org.team(shift.team)
        for role in team.rotation.roles:
            choices.append([Assignment(shift, role, m) for m in team.members])
    plans = (Plan(tuple(combo)) for combo in itertools.product(*choices))
    return [p for p in plans if not rules.check(problem, p)]


TINY = {
    "part-timer, 5 weeks": dict(people=4, fte={"p3": 0.5}, weeks=5),
    "a week of leave, 6 weeks": dict(people=3, weeks=6, leave=("p1", 1)),
    "two roles, rest, 3 weeks": dict(
        people=4,
        weeks=3,
        team_fields=dict(roles=("primary", "secondary"), min_rest=timedelta(days=7)),
        fte={"p0": 0.8},
    ),
}


def tiny_problem(people, weeks, fte=None, leave=None, team_fields=None) -> Problem:
    extra = {}
    if leave:
        person, week = leave
        first = START + timedelta(weeks=week)
        extra["leave"] = (
            Leave(
                person, local_midnight(first, "UTC"), local_midnight(first + timedelta(7), "UTC")
            ),
        )
    org = build_small_team_org(people, fte=fte, team_fields=team_fields, **extra)
    return make_problem(org, START, weeks)


@pytest.mark.parametrize("name", sorted(TINY))
def test_spread_is_the_least_among_plans_of_the_best_ratio(name) -> None:
    problem = tiny_problem(**TINY[name])
    measured = [spread(problem, p.assignments) for p in every_valid_plan(problem)]
    best_ratio = min(r for r, _ in measured)
    least = min(s for r, s in measured if r <= best_ratio + 1e-9)
    plan = solve(problem, EXACT)
    ratio, found = spread(problem, plan.assignments)
    assert ratio == pytest.approx(best_ratio, abs=1e-9)
    assert found == pytest.approx(least, abs=1e-6)
    assert plan.spread == pytest.approx(found, abs=1e-6)
    assert plan.spread_proven and plan.spread_bound <= plan.spread + 1e-9
    assert plan.spread_bound == pytest.approx(plan.spread, rel=1e-3)


def medium_problem() -> Problem:
    org = build_small_team_org(
        6,
        fte={"p5": 0.6},
        team_fields=dict(roles=("primary", "secondary"), min_rest=timedelta(days=7)),
        leave=(
            Leave(
                "p2",
                local_midnight(date(2027, 2, 15), "UTC"),
                local_midnight(date(2027, 3, 1), "UTC"),
            ),
        ),
    )
    return make_problem(org, START, 8)


@pytest.mark.parametrize("workers", [1, 2])
def test_two_solves_give_the_same_plan(workers) -> None:
    problem = medium_problem()
    options = SolveOptions(num_workers=workers)
    first, second = solve(problem, options), solve(problem, options)
    assert not first.capped
    assert first.assignments == second.assignments
    assert (first.spread, first.spread_bound) == (second.spread, second.spread_bound)


def test_default_options_are_deterministic() -> None:
    assert SolveOptions().num_workers == 1
    problem = medium_problem()
    assert solve(problem).assignments == solve(problem).assignments


def test_fair_share_is_the_reports_with_a_shadow_weight() -> None:
    org = build_small_team_org(
        ["ann", "bob", "cat", "tia"],
        trainees={"tia": Trainee(shadows=2)},
        role_weights=RoleWeights(primary=2, secondary=1, shadow=1),
    )
    problem = make_problem(org, START, 6)
    plan = solve(problem, EXACT)
    assert rules.check(problem, plan) == []
    assert any(a.role == "shadow" for a in plan.assignments)
    ratio, measured = spread(problem, plan.assignments)
    # The solver measures ratios with shares rounded up to 1/100 point, in 1/10,000 units.
    assert plan.max_load_ratio == pytest.approx(ratio, abs=2e-3)
    assert plan.spread == pytest.approx(measured, abs=1e-6)


def test_infeasible_org_still_gets_its_explanation() -> None:
    org = build_small_team_org(
        2, team_fields=dict(roles=("primary", "secondary"), min_rest=timedelta(days=7))
    )
    outcome = plan_or_explain(make_problem(org, START, 3), SolveOptions(time_limit=10))
    assert outcome.plan is None and outcome.proven
    assert outcome.explanation


def test_plans_say_what_was_proven() -> None:
    problem = medium_problem()
    plan = solve(problem)
    assert plan.status != INFEASIBLE and rules.check(problem, plan) == []
    assert plan.ratio_gap is not None and plan.ratio_gap >= 0
    assert plan.spread_gap is not None and 0 <= plan.spread_gap <= 1
    if plan.ratio_proven:
        assert plan.ratio_gap == 0


def test_progress_names_the_group_then_the_spread() -> None:
    line = Progress(RATIO, 1.21, 1.19, 2.0, 3, 12, ("payments", "ledger", "search", "web"))
    assert (
        line.describe() == "group 3 of 12 (payments, ledger, search, …): ratio 1.2100, bound 1.1900"
    )
    assert Progress(SPREAD, 812.0, 800.0, 3.0).describe() == "spread 812.0, bound 800.0"


def test_progress_reports_each_group_and_never_a_rising_ratio_within_one() -> None:
    seen: list[Progress] = []
    solve(medium_problem(), SolveOptions(progress=seen.append))
    ratios = [p.best for p in seen if p.phase == RATIO]
    assert ratios == sorted(ratios, reverse=True)
    phases = [p.phase for p in seen]
    assert RATIO in phases and phases.index(RATIO) < len(phases) - phases[::-1].index(RATIO)
