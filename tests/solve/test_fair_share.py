"""One fair share: the shares the solver optimises are the shares the report measures, even when
shadow shifts carry points (a shadow weight above zero), so the ratio optimised is the ratio
reported (docs/fairness.md#fair-share)."""

from __future__ import annotations

from datetime import date

import pytest

from scheduler.domain.fairness import fairness_inputs, fairness_report
from scheduler.domain.model import Role, RoleWeights, Trainee
from scheduler.domain.points import DayCalendar
from scheduler.domain.shifts import make_problem
from scheduler.solve.phases import solve

START = date(2027, 1, 4)


@pytest.mark.parametrize("shadow_weight", [0, 1, 2])
def test_the_ratio_optimised_is_the_ratio_reported(fast, small_team_org, shadow_weight) -> None:
    org = small_team_org(
        ["ann", "bo", "cy", "dee", "tia"],
        trainees={"tia": Trainee(shadows=3, secondaries=1)},
        team_fields={"shift": "daily", "roles": ("primary", "secondary")},
        holidays=("US",),
        role_weights=RoleWeights(primary=2, secondary=1, shadow=shadow_weight),
    )
    problem = make_problem(org, START, 3)
    plan = solve(problem, fast)
    calendar = DayCalendar(org)
    report = fairness_report(problem, plan.assignments, calendar)

    shadow_points = sum(calendar.points_of(a) for a in plan.assignments if a.role == Role.SHADOW)
    assert (shadow_points > 0) == (shadow_weight > 0)
    inputs = fairness_inputs(problem, calendar, shadow_points)
    for row in report.people:
        assert inputs.shares[row.person] == pytest.approx(row.fair_share, rel=1e-12)
    # The solver measures in units of 1/10,000 with shares rounded up to 1/100 of a point.
    assert plan.max_load_ratio == pytest.approx(report.max_load_ratio, abs=2e-3)
    assert plan.lower_bound <= report.max_load_ratio + 1e-9
