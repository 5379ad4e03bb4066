"""The only OR-Tools code: the CP-SAT formulation, its phases, the max-flow bound, the cores.

One entry point serves the command line, the web and the job runners: `plan_or_explain`.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.explain import precheck
from scheduler.domain.fairness import FairnessReport, fairness_report
from scheduler.domain.model import INFEASIBLE, Plan, Problem
from scheduler.domain.points import DayCalendar
from scheduler.solve.options import Interrupt, Progress, SolveOptions

__all__ = ["Interrupt", "Outcome", "Progress", "SolveOptions", "outcome_of", "plan_or_explain"]

EXPLAIN_SECONDS = 30.0  # the most an explanation may take, within the time limit
NOT_FOUND = "no plan was found within {:g} s; allow a longer solve (--time-limit)"
INTERRUPTED_INFEASIBLE = (
    "the rules cannot all hold at once (proven); the solve was interrupted before naming the "
    "cause: run it again to the end for the explanation"
)
NO_CAUSE_IN_TIME = (
    "the rules cannot all hold at once (proven), but no smaller cause was found within "
    f"{EXPLAIN_SECONDS:g} s: check rosters, leave and rest against the shifts"
)


@dataclass(frozen=True)
class Outcome:
    """What planning a problem gave: a valid plan with its fairness report, or the reasons.

    Exactly one of (`plan`, `report`) and `explanation` is set. `proven` says, when there is no
    plan, whether none exists (True) or none was found within the time limit (False).
    """

    plan: Plan | None
    report: FairnessReport | None
    explanation: tuple[str, ...] = ()
    proven: bool = True
    bound: float | None = None  # without a plan and unproven: the best lower bound known

    @property
    def lower_bound(self) -> float | None:
        """Return the proven lower bound on the max load ratio: the plan's, or when none was
        found in time, the best one known (None when not even that)."""
        return self.plan.lower_bound if self.plan else self.bound


def plan_or_explain(problem: Problem, options: SolveOptions | None = None) -> Outcome:
    """Plan `problem`: counting checks, the solve, and on failure the explanation.

    The plan has passed the rulebook; the report measures it by docs/fairness.md. Never raises
    for a problem that has no plan: the reasons are sentences a manager can act on.
    """
    from scheduler.solve.phases import solve

    options = options or SolveOptions()
    obvious = precheck(problem)
    if obvious:
        return Outcome(None, None, tuple(obvious))
    try:
        plan = solve(problem, options)
    except TimeoutError as err:
        bound = getattr(err, "lower_bound", None)
        said = (NOT_FOUND.format(options.time_limit),)
        return Outcome(None, None, said, proven=False, bound=bound)
    return outcome_of(problem, plan, options)


def outcome_of(problem: Problem, plan: Plan, options: SolveOptions) -> Outcome:
    """Turn a solved Plan into an Outcome: its fairness report, or why there is no plan.

    For an INFEASIBLE plan (after the counting checks passed) the infeasible core names the
    cause, within `options.time_limit` (at most EXPLAIN_SECONDS); an interrupted solve says so.
    """
    from scheduler.solve.core import explain_core

    if plan.status == INFEASIBLE:
        if options.interrupt is not None and options.interrupt.requested:
            return Outcome(None, None, (INTERRUPTED_INFEASIBLE,))
        # The counting checks passed; only the core is left to name the cause.
        sentences = explain_core(problem, min(options.time_limit, EXPLAIN_SECONDS))
        return Outcome(None, None, tuple(sentences or [NO_CAUSE_IN_TIME]))
    report = fairness_report(problem, plan.assignments, DayCalendar(problem.org), plan.lower_bound)
    return Outcome(plan, report)
