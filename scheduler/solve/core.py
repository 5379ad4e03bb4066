"""Why no plan exists: counting checks first, then an infeasible core of rule groups (CP-SAT).

Each group of constraints (a rule for a team and week, a trainee's path, a team's rest) is
switched by an assumption literal; CP-SAT names a sufficient set, then literals are dropped one
at a time while the rest stays infeasible. The domain turns each group into a sentence.
"""

from __future__ import annotations

import time as clock

from ortools.sat.python import cp_model

from scheduler.domain.eligibility import candidates
from scheduler.domain.explain import RuleGroup, describe, precheck
from scheduler.domain.model import Problem
from scheduler.domain.points import DayCalendar
from scheduler.solve.formulation import build
from scheduler.solve.options import SolveOptions
from scheduler.solve.search import Budget, cp_solver

NO_SMALLER_CAUSE = "the rules cannot all hold at once, but no smaller cause was found"


def explain(problem: Problem, time_limit: float = 20.0) -> list[str]:
    """Return sentences saying why the problem has no plan (empty if it may have one).

    `time_limit` (seconds) caps the search for a core; docs/rules.md#when-no-plan-exists.
    """
    return precheck(problem) or explain_core(problem, time_limit)


def explain_core(problem: Problem, time_limit: float = 20.0) -> list[str]:
    """Return the sentences of an infeasible core (empty if the rules may all hold), for a
    problem the counting checks have passed."""
    core = infeasible_core(problem, time_limit)
    if core is None:
        return []
    sentences = [describe(problem, group) for group in sorted(core, key=RuleGroup.sort_key)]
    return sentences or [NO_SMALLER_CAUSE]


def infeasible_core(problem: Problem, time_limit: float = 20.0) -> list[RuleGroup] | None:
    """Return a small set of rule groups that cannot all hold, or None when all can.

    Each group of constraints (a rule for a team and week, a trainee's path, a team's rest)
    is switched by an assumption literal; CP-SAT names a sufficient set, then literals are
    dropped one at a time while the rest stays infeasible.
    """
    calendar = DayCalendar(problem.org)
    rm = build(
        problem,
        list(problem.shifts),
        calendar,
        candidates(problem),
        relax=True,
    )
    deadline = clock.monotonic() + time_limit
    literals = list(rm.groups.items())

    def status_with(active: list) -> int:
        rm.model.clear_assumptions()
        rm.model.add_assumptions([lit for _, lit in active])
        seconds = max(0.5, (deadline - clock.monotonic()) / 4)
        solver = cp_solver(SolveOptions(num_workers=1), None, Budget(clock.monotonic() + seconds))
        status = solver.solve(rm.model)
        if status == cp_model.INFEASIBLE and active:
            chosen = set(solver.sufficient_assumptions_for_infeasibility())
            active[:] = [(g, lit) for g, lit in active if lit.index in chosen]
        return status

    core = list(literals)
    if status_with(core) != cp_model.INFEASIBLE:
        return None
    for item in list(core):
        if clock.monotonic() > deadline:
            break
        trial = [c for c in core if c is not item]
        if status_with(trial) == cp_model.INFEASIBLE:
            core = trial
    return [group for group, _ in core]
