"""Phase 1's portfolio retry (solve/phase1.py): when one worker's first minimisation finds no
plan, CP-SAT's interleaved portfolio minimises instead of a bare feasibility search, and its
plan is the same from run to run."""

from __future__ import annotations

import time as clock
from datetime import date

from ortools.sat.python import cp_model
from support.builders import build_small_team_org

from scheduler.domain.shifts import make_problem
from scheduler.solve import phase1
from scheduler.solve.options import SolveOptions
from scheduler.solve.phase1 import PORTFOLIO_WORKERS, smallest_max_ratio
from scheduler.solve.phases import prepare
from scheduler.solve.search import Budget


def first_finds_nothing(monkeypatch) -> tuple[dict, list[int | None]]:
    """Solve phase 1 of a small team with the first minimisation finding no plan; return the
    plan and the worker counts of every search after it (None: the options' own)."""
    problem = make_problem(build_small_team_org(5), date(2027, 2, 1), 4)
    options = SolveOptions()
    budget = Budget(clock.monotonic() + 60)
    _, models = prepare(problem, options, budget)
    rm = models[0]
    workers: list[int | None] = []
    real_solver, real_run = phase1.cp_solver, phase1.run

    def solver_spy(options, work, budget, **kwargs):
        workers.append(kwargs.get("workers"))
        return real_solver(options, work, budget, **kwargs)

    def run_spy(solver, model, budget, callback=None):
        if len(workers) == 1:
            return cp_model.UNKNOWN, 0.6  # the first minimisation: out of budget, no plan
        return real_run(solver, model, budget, callback)

    monkeypatch.setattr(phase1, "cp_solver", solver_spy)
    monkeypatch.setattr(phase1, "run", run_spy)
    result, _ = smallest_max_ratio(rm, options, budget, 3.0, 0, 0, lambda r: None)
    return result.values, workers[1:]


def test_no_first_plan_is_retried_by_the_portfolio_not_by_bare_feasibility(monkeypatch) -> None:
    values, workers = first_finds_nothing(monkeypatch)
    assert workers[0] == PORTFOLIO_WORKERS
    assert values  # the portfolio's plan: no feasibility-only search was needed
    assert workers.count(PORTFOLIO_WORKERS) == 1


def test_the_portfolio_gives_the_same_plan_twice(monkeypatch) -> None:
    first, _ = first_finds_nothing(monkeypatch)
    second, _ = first_finds_nothing(monkeypatch)
    assert first == second
