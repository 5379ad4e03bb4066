"""One configured CP-SAT search: a deterministic work budget under a wall-clock cap."""

from __future__ import annotations

import time as clock
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.solve.options import SolveOptions

SOLVED = (cp_model.OPTIMAL, cp_model.FEASIBLE)
SETTLED = (cp_model.OPTIMAL, cp_model.INFEASIBLE)


@dataclass
class Budget:
    """The wall-clock cap of a whole solve, and whether a search ever ran into it.

    `deadline` is a `time.monotonic()` instant. A search stopped by the cap may differ from
    run to run (it depends on the machine's load), so the plan says when that happened.
    """

    deadline: float
    capped: bool = False

    def left(self) -> float:
        """Return the wall-clock seconds left before the cap."""
        return self.deadline - clock.monotonic()


def cp_solver(options: SolveOptions, work: float | None, budget: Budget) -> cp_model.CpSolver:
    """Return a solver spending at most `work` deterministic seconds, and never past the cap.

    CP-SAT's deterministic time counts operations, not seconds, so the search, and the plan
    it returns, do not depend on the machine's load. More than one worker searches in the
    interleaved mode, whose result does not depend on thread timing (sat_parameters.proto).
    """
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.05, budget.left())
    if work is not None:
        params.max_deterministic_time = max(0.01, work)
    params.num_workers = options.num_workers
    params.interleave_search = options.num_workers > 1
    params.random_seed = options.seed
    return solver


def run(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    budget: Budget,
    callback: cp_model.CpSolverSolutionCallback | None = None,
) -> tuple[int, float]:
    """Solve; return the status and the deterministic time spent, noting a hit wall-clock cap."""
    status = solver.solve(model, callback)
    if status not in SETTLED and budget.left() <= 0.05:
        budget.capped = True
    return status, solver.response_proto.deterministic_time
