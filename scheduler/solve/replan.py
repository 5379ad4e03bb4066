"""Re-planning a published quarter: the fewest changes, right after the max load ratio.

People live by a published plan, so once the best max load ratio is known a re-plan changes as
few of the previous plan's future assignments as it can while its ratio stays within
`tolerance` of that best (docs/fairness.md#re-planning); the spread and the wishes come after,
with the change count held.
"""

from __future__ import annotations

import math

from ortools.sat.python import cp_model

from scheduler.solve.formulation import changes_of
from scheduler.solve.options import SolveOptions
from scheduler.solve.phase1 import GroupResult, cap, hint, scaled_ratio, values_of
from scheduler.solve.search import SOLVED, Budget, cp_solver, run


def ratio_cap(z_star: int, tolerance: float) -> int:
    """Return the largest scaled ratio a re-plan may reach: the best, plus `tolerance` of it."""
    return max(z_star, math.floor(z_star * (1 + tolerance)))


def fewest_changes(
    result: GroupResult, z_cap: int, options: SolveOptions, budget: Budget, work: float
) -> tuple[bool, float]:
    """Minimise the changes to the previous plan with the ratio capped at `z_cap` (scaled).

    Keeps the count found as a constraint for the later phases, updates `result.values` and
    `result.best`, and returns whether the count was proven least and the work left unspent.
    """
    rm = result.rm
    changes = changes_of(rm)
    if not changes:
        return True, work
    cap(rm, result.z, 0, max(z_cap, result.best))
    count = sum(changes)
    rm.model.minimize(count)
    hint(rm, result.values)
    solver = cp_solver(options, work, budget)
    status, spent = run(solver, rm.model, budget)
    rm.model.clear_objective()
    if status in SOLVED:
        result.values = values_of(rm, solver)
        result.best = scaled_ratio(rm, result.values)
        rm.model.add(count <= int(round(solver.objective_value)))
    return status == cp_model.OPTIMAL, max(0.0, work - spent)
