"""The summary's proof line: what a solve proved, and why it stopped when not everything."""

from __future__ import annotations

from scheduler.domain.model import FEASIBLE, OPTIMAL, Plan
from scheduler.domain.reports import proof_line


def solved(status: str, ratio: float, bound: float, spread: float, spread_bound: float, **flags):
    """A plan with no assignments and these figures (`flags`: spread_proven, capped)."""
    return Plan(
        (),
        status=status,
        max_load_ratio=ratio,
        solver_bound=bound,
        spread=spread,
        spread_bound=spread_bound,
        **flags,
    )


def test_everything_proven_says_so() -> None:
    plan = solved(OPTIMAL, 1.04, 1.04, 10.0, 10.0, spread_proven=True)
    assert proof_line(plan) == "max load ratio proven, spread proven"


def test_gaps_and_the_reason_the_search_stopped() -> None:
    spent = solved(FEASIBLE, 1.2530, 1.2193, 100.0, 98.8)
    assert proof_line(spent) == (
        "max load ratio within 2.8% of its bound, spread within 1.2% of its bound: "
        "the search spent its budget"
    )
    capped = solved(OPTIMAL, 1.1, 1.1, 10.0, 5.0, capped=True)
    assert proof_line(capped) == (
        "max load ratio proven, spread within 50.0% of its bound: the time limit was reached"
    )


def test_an_interrupted_search_says_so_rather_than_blaming_its_budget() -> None:
    stopped = solved(OPTIMAL, 1.2530, 1.2530, 100.0, 93.4)
    assert proof_line(stopped, interrupted=True) == (
        "max load ratio proven, spread within 6.6% of its bound: the search was interrupted"
    )
