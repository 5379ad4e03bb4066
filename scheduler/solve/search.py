"""One configured CP-SAT search: a deterministic work budget under a wall-clock cap."""

from __future__ import annotations

import threading
import time as clock
from dataclasses import dataclass
from typing import Literal

from ortools.sat.python import cp_model

from scheduler.solve.options import Interrupt, SolveOptions

SOLVED = (cp_model.OPTIMAL, cp_model.FEASIBLE)
SETTLED = (cp_model.OPTIMAL, cp_model.INFEASIBLE)


class NotSolved(TimeoutError):
    """No plan was found in time and none was proven impossible; `lower_bound` is the best
    proven lower bound on the max load ratio known by then (None when there is none)."""

    def __init__(self, message: str, lower_bound: float | None = None):
        super().__init__(message)
        self.lower_bound = lower_bound


@dataclass
class Budget:
    """The wall-clock cap of a whole solve, and whether a search ever ran into it.

    `deadline` is a `time.monotonic()` instant. A search stopped by the cap may differ from
    run to run (it depends on the machine's load), so the plan says when that happened.
    `interrupt` stops the solve early: once requested, no time is left.
    """

    deadline: float
    capped: bool = False
    interrupt: Interrupt | None = None

    def left(self) -> float:
        """Return the wall-clock seconds left before the cap (none once interrupted)."""
        if self.interrupt is not None and self.interrupt.requested:
            return 0.0
        return self.deadline - clock.monotonic()


def cp_solver(
    options: SolveOptions,
    work: float | None,
    budget: Budget,
    prove: bool = False,
    lp: Literal["none", "default", "full"] = "default",
) -> cp_model.CpSolver:
    """Return a solver spending at most `work` deterministic seconds, and never past the cap.

    CP-SAT's deterministic time counts operations, not seconds, so the search, and the plan
    it returns, do not depend on the machine's load. More than one worker searches in the
    interleaved mode, whose result does not depend on thread timing (sat_parameters.proto).
    `prove` asks for CP-SAT's probing search, for a model expected to have no solution: it
    refutes a capped max load ratio up to 50 times faster than the default search
    (docs/fairness.md#when-a-solve-ends), but finds plans poorly. `lp` sets the linear
    relaxation: "full" gives it every constraint and its cuts from the start (linearization
    level 2, not lazily), which proves the spread's bound where the default relaxation stalls
    far below it; "none" keeps none (level 0): its bounds are weak, but it finds fairer plans
    for the same deterministic time, which suits a search for plans under a capped max load
    ratio (docs/fairness.md#when-a-solve-ends).
    """
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(0.05, budget.left())
    if work is not None:
        params.max_deterministic_time = max(0.01, work)
    params.num_workers = options.num_workers
    params.interleave_search = params.num_workers > 1
    params.random_seed = options.seed
    params.use_probing_search = prove
    if lp == "none":
        params.linearization_level = 0
    elif lp == "full":
        params.linearization_level = 2
        params.add_lp_constraints_lazily = False
    params.catch_sigint_signal = False  # Ctrl-C is the caller's: see options.Interrupt
    return solver


def run(
    solver: cp_model.CpSolver,
    model: cp_model.CpModel,
    budget: Budget,
    callback: cp_model.CpSolverSolutionCallback | None = None,
) -> tuple[int, float]:
    """Solve; return the status and the deterministic time spent, noting a hit wall-clock cap.

    With an interrupt on the budget, the search runs in a helper thread while this one waits,
    free to take a signal; a request stops the search (`stop_search`), and an exception
    raised while waiting (a second Ctrl-C) stops it too before it propagates.
    """
    if budget.interrupt is None:
        status = solver.solve(model, callback)
    else:
        status = _solve_interruptibly(solver, model, callback, budget.interrupt)
        if budget.interrupt.aborted:
            raise KeyboardInterrupt  # here, with the search's thread done (Interrupt.abort)
    interrupted = budget.interrupt is not None and budget.interrupt.requested
    if status not in SETTLED and budget.left() <= 0.05 and not interrupted:
        budget.capped = True  # the wall-clock cap, not a Ctrl-C, cut this search short
    return status, solver.response_proto.deterministic_time


def _wait_for(helper: threading.Thread, solver: cp_model.CpSolver) -> None:
    """Wait until the stopped search has returned, whatever else arrives meanwhile.

    A process that exits while CP-SAT still runs in its thread is aborted by the C++ runtime
    ("terminate called without an active exception"); a stopped search returns within a
    fraction of a second, so every further Ctrl-C only stops it again.
    """
    while helper.is_alive():
        try:
            helper.join(0.1)
        except BaseException:
            solver.stop_search()


def _solve_interruptibly(solver, model, callback, interrupt: Interrupt) -> int:
    outcome: dict[str, object] = {}

    def search() -> None:
        try:
            outcome["status"] = solver.solve(model, callback)
        except BaseException as err:  # handed to the waiting thread
            outcome["error"] = err

    helper = threading.Thread(target=search, name="cp-sat", daemon=True)
    with interrupt.watching(solver.stop_search):
        helper.start()
        try:
            while helper.is_alive():
                helper.join(0.1)
        except BaseException:
            solver.stop_search()
            _wait_for(helper, solver)
            raise
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["status"]  # type: ignore[return-value]
