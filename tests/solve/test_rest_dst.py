"""Rest across daylight saving: the solver, the counting checks and history read the wall clock
(docs/rules.md#4-rest), so a week off is a week whether it has 167, 168 or 169 real hours."""

from __future__ import annotations

import dataclasses
from datetime import date, time, timedelta

import pytest

from scheduler.domain import rules
from scheduler.domain.explain import precheck
from scheduler.domain.model import Assignment, Horizon
from scheduler.domain.shifts import make_problem, team_shifts
from scheduler.solve import plan_or_explain

LA = "America/Los_Angeles"
WEEKLY = dict(handoff=time(9), roles=("primary", "secondary"), min_rest=timedelta(days=7))


@pytest.mark.parametrize(
    "start",
    [date(2027, 3, 1), date(2027, 10, 25), date(2027, 2, 1)],
    ids=["spring (167 h week)", "autumn (169 h week)", "no change"],
)
def test_five_people_cover_primary_and_secondary_with_a_week_off(
    start, fast, small_team_org
) -> None:
    # Five people, two roles, a week off after each week: three weeks need six places, and
    # each person can take weeks one and three. In spring the week of 8 March is 167 hours.
    org = small_team_org(5, LA, team_fields=WEEKLY)
    problem = make_problem(org, start, 3)
    assert precheck(problem) == []
    outcome = plan_or_explain(problem, fast)
    assert outcome.plan is not None, outcome.explanation
    assert rules.check(problem, outcome.plan) == []


def test_history_across_the_spring_change_leaves_a_week_off(fast, small_team_org) -> None:
    # Two people, weekly primary, a week off: p0 held the week of 1 March, p1 the week of
    # 8 March (the change). p0's week off before 15 March is 167 real hours, a week on the
    # clock, so the plan must start with p0 and alternate.
    org = small_team_org(2, LA, team_fields=dict(handoff=time(9), min_rest=timedelta(days=7)))
    past = team_shifts(org.teams[0], Horizon(date(2027, 3, 1), 2))
    history = (Assignment(past[0], "primary", "p0"), Assignment(past[1], "primary", "p1"))
    problem = make_problem(dataclasses.replace(org, history=history), date(2027, 3, 15), 2)
    outcome = plan_or_explain(problem, fast)
    assert outcome.plan is not None, outcome.explanation
    assert rules.check(problem, outcome.plan) == []
    holders = [a.person for a in sorted(outcome.plan.assignments, key=lambda a: a.shift.start)]
    assert holders == ["p0", "p1"]
