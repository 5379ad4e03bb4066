"""The fairness guard: which changes wait for a manager, and the sentence that says why."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from support.builders import build_small_team_org

from scheduler.domain.fairness import fairness_report
from scheduler.domain.guard import CEILING, MARGIN, fairness_guard, needs_approval
from scheduler.domain.model import Assignment
from scheduler.domain.points import DayCalendar
from scheduler.domain.shifts import make_problem

START = date(2027, 1, 4)


@pytest.mark.parametrize(
    ("before", "after", "held"),
    [
        (1.25, 1.42, True),  # the swap: well over both the margin and the ceiling
        (1.25, 1.30, False),  # less fair, but within the margin
        (1.00, 1.19, False),  # a big rise that stays under the ceiling
        (1.15, 1.26, True),  # over both, just
        (1.42, 1.25, False),  # fairer
        (1.30, 1.39, False),
    ],
)
def test_a_change_waits_when_it_rises_above_both_the_margin_and_the_ceiling(before, after, held):
    assert needs_approval(before, after) is held
    assert (MARGIN, CEILING) == (0.10, 1.20)


def _round_robin(guard: bool = True):
    """Four people, eight weekly shifts, two each: everyone exactly at their fair share."""
    org = build_small_team_org(["ann", "bob", "cat", "dan"], team_fields={"fairness_guard": guard})
    problem = make_problem(org, START, 8)
    people = ["ann", "bob", "cat", "dan"]
    plan = [Assignment(s, "primary", people[i % 4]) for i, s in enumerate(problem.shifts)]
    return problem, plan


def test_a_swap_that_overloads_someone_is_held_with_its_reason():
    problem, plan = _round_robin()
    proposed = [dataclasses.replace(plan[1], person="ann"), *plan[:1], *plan[2:]]
    verdict = fairness_guard(problem, "ops", plan, proposed)
    assert verdict.held and verdict.heaviest == "Ann"
    assert verdict.before == pytest.approx(1.0) and verdict.after == pytest.approx(1.5)
    assert verdict.reason == (
        "this swap raises Ops's max load ratio from 1.00 to 1.50 "
        "(Ann would carry 1.50x their fair share)"
    )
    # The same ratios as the fairness report: the guard and the fairness page agree.
    report = fairness_report(problem, proposed, DayCalendar(problem.org))
    assert verdict.after == pytest.approx(report.max_load_ratio)
    override = fairness_guard(problem, "ops", plan, proposed, what="this override")
    assert override.reason.startswith("this override raises Ops's")


def test_a_trade_of_equal_shifts_is_not_held():
    problem, plan = _round_robin()
    traded = [
        dataclasses.replace(plan[0], person="bob"),
        dataclasses.replace(plan[1], person="ann"),
        *plan[2:],
    ]
    verdict = fairness_guard(problem, "ops", plan, traded)
    assert not verdict.held and verdict.reason is None
    assert verdict.after == pytest.approx(verdict.before)


def test_a_team_with_the_guard_off_is_never_held_but_still_measured():
    problem, plan = _round_robin(guard=False)
    proposed = [dataclasses.replace(plan[1], person="ann"), *plan[:1], *plan[2:]]
    verdict = fairness_guard(problem, "ops", plan, proposed)
    assert not verdict.held and verdict.reason is None
    assert verdict.after == pytest.approx(1.5)


def test_an_unknown_team_is_an_error():
    problem, plan = _round_robin()
    with pytest.raises(KeyError):
        fairness_guard(problem, "nope", plan, plan)
