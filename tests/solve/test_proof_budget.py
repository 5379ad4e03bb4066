"""How much deterministic time a probing proof of phase 1 gets (solve/phase1.py, _prove):
its share of what is left, and at least PROOF_LEAST when the best plan is near the bound."""

from __future__ import annotations

import time as clock
from datetime import date

import pytest
from support.builders import build_small_team_org

from scheduler.domain.shifts import make_problem
from scheduler.solve import phase1
from scheduler.solve.formulation import add_max_ratio
from scheduler.solve.options import SolveOptions
from scheduler.solve.phase1 import PROOF_CLOSE, PROOF_LEAST, PROOF_SHARE, GroupResult
from scheduler.solve.phases import prepare
from scheduler.solve.search import Budget


def budgets_asked(monkeypatch, best: int, bound: int, work: float) -> list[float]:
    """Run one proof of a small team's group; return the deterministic budgets it asked for."""
    problem = make_problem(build_small_team_org(5), date(2027, 2, 1), 4)
    options = SolveOptions()
    budget = Budget(clock.monotonic() + 60)
    _, models = prepare(problem, options, budget)
    rm = models[0]
    z = add_max_ratio(rm)
    asked: list[float] = []
    real = phase1.cp_solver

    def spy(options, work, budget, **kwargs):
        asked.append(work)
        return real(options, work, budget, **kwargs)

    monkeypatch.setattr(phase1, "cp_solver", spy)
    phase1._prove(GroupResult(rm, z, {}, best, bound), options, budget, work, bound)
    return asked


def test_a_proof_near_the_bound_gets_at_least_its_least_budget(monkeypatch) -> None:
    near = int(10_000 * (1 + PROOF_CLOSE / 2))
    assert budgets_asked(monkeypatch, near, 10_000, work=0.1) == [pytest.approx(PROOF_LEAST)]


def test_a_proof_far_from_the_bound_gets_its_share_of_what_is_left(monkeypatch) -> None:
    far = int(10_000 * (1 + PROOF_CLOSE * 2))
    asked = budgets_asked(monkeypatch, far, 10_000, work=0.1)
    assert asked == [pytest.approx(0.1 * PROOF_SHARE)]


def test_a_large_budget_is_not_cut_down_to_the_least(monkeypatch) -> None:
    near = int(10_000 * (1 + PROOF_CLOSE / 2))
    asked = budgets_asked(monkeypatch, near, 10_000, work=100.0)
    assert asked == [pytest.approx(100.0 * PROOF_SHARE)]


def test_small_groups_always_try_a_proof() -> None:
    assert phase1.worth_probing(phase1.LNS_FROM - 1, 20_000, 10_000)


@pytest.mark.parametrize(
    ("size", "close"),
    [(phase1.LNS_FROM, PROOF_CLOSE), (phase1.PROBE_GAP_FROM, phase1.PROBE_GAP)],
)
def test_larger_groups_try_a_proof_only_near_the_floor(size, close) -> None:
    # b2 (1,492 variables): a proof 7% above the floor cost 4.5 s of wall clock and settled
    # nothing; from the neighbourhood search's plans a proof within 4% can succeed (acme).
    floor = 10_000
    assert phase1.worth_probing(size, int(floor * (1 + close)), floor)
    assert not phase1.worth_probing(size, int(floor * (1 + close)) + 2, floor)
