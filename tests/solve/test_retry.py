"""Phase 1's retry (solve/phase1.py): when one worker's first minimisation finds no plan, the
same search without the linear relaxation minimises instead of a bare feasibility search, and
its plan is the same from run to run."""

from __future__ import annotations

import time as clock
from datetime import date

from ortools.sat.python import cp_model
from support.builders import build_small_team_org

from scheduler.domain.shifts import make_problem
from scheduler.solve import phase1
from scheduler.solve.options import SolveOptions
from scheduler.solve.phase1 import smallest_max_ratio
from scheduler.solve.phases import prepare
from scheduler.solve.search import Budget


def first_finds_nothing(monkeypatch) -> tuple[dict, list[tuple[bool, bool]]]:
    """Solve phase 1 of a small team with the first minimisation finding no plan; return the
    plan and, for every search after it, whether it kept the LP and had an objective."""
    problem = make_problem(build_small_team_org(5), date(2027, 2, 1), 4)
    options = SolveOptions()
    budget = Budget(clock.monotonic() + 60)
    _, models = prepare(problem, options, budget)
    rm = models[0]
    searches: list[tuple[bool, bool]] = []
    real_run = phase1.run

    def run_spy(solver, model, budget, callback=None):
        searches.append((solver.parameters.linearization_level != 0, model.has_objective()))
        if len(searches) == 1:
            return cp_model.UNKNOWN, 0.6  # the first minimisation: out of budget, no plan
        return real_run(solver, model, budget, callback)

    monkeypatch.setattr(phase1, "run", run_spy)
    result, _ = smallest_max_ratio(rm, options, budget, 3.0, 0, 0, lambda r: None)
    return result.values, searches[1:]


def test_no_first_plan_is_retried_without_the_lp_not_by_bare_feasibility(monkeypatch) -> None:
    values, searches = first_finds_nothing(monkeypatch)
    assert searches[0] == (False, True)  # minimising, without the linear relaxation
    assert values  # the retry's plan: no feasibility-only search was needed


def test_the_retry_gives_the_same_plan_twice(monkeypatch) -> None:
    first, _ = first_finds_nothing(monkeypatch)
    second, _ = first_finds_nothing(monkeypatch)
    assert first == second
