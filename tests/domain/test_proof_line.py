"""The summary's proof line: what a solve proved, and why it stopped when not everything."""

from __future__ import annotations

from scheduler.domain.model import FEASIBLE, OPTIMAL, Plan
from scheduler.domain.reports import proof_line


def test_everything_proven_says_so() -> None:
    plan = Plan(
        (),
        status=OPTIMAL,
        max_load_ratio=1.04,
        solver_bound=1.04,
        spread=10.0,
        spread_bound=10.0,
        spread_proven=True,
    )
    assert proof_line(plan) == "max load ratio proven, spread proven"


def test_gaps_and_the_reason_the_search_stopped() -> None:
    spent = Plan(
        (),
        status=FEASIBLE,
        max_load_ratio=1.2530,
        solver_bound=1.2193,
        spread=100.0,
        spread_bound=98.8,
    )
    assert proof_line(spent) == (
        "max load ratio within 2.8% of its bound, spread within 1.2% of its bound: "
        "the search spent its budget"
    )
    capped = Plan(
        (),
        status=OPTIMAL,
        max_load_ratio=1.1,
        solver_bound=1.1,
        spread=10.0,
        spread_bound=5.0,
        capped=True,
    )
    assert proof_line(capped) == (
        "max load ratio proven, spread within 50.0% of its bound: the time limit was reached"
    )
