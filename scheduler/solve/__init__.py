"""The only OR-Tools code: the CP-SAT formulation, its phases, the max-flow bound, the cores.

One entry point serves the command line, the web and the job runners: `plan_or_explain`.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.explain import precheck
from scheduler.domain.fairness import FairnessReport, fairness_report
from scheduler.domain.model import INFEASIBLE, Plan, Problem
from scheduler.domain.points import DayCalendar
from scheduler.solve.options import Progress, SolveOptions

__all__ = ["Outcome", "Progress", "SolveOptions", "outcome_of", "plan_or_explain"]

EXPLAIN_SECONDS = 30.0  # the most an explanation may take, within the time limit
NOT_FOUND = "no plan was found within {:g} s; allow a longer solve (--time-limit)"


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

    @property
    def lower_bound(self) -> float | None:
        """Return the proven lower bound on the max load ratio, when there is a plan."""
        return self.plan.lower_bound if self.plan else None


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
    not_found = Outcome(None, None, (NOT_FOUND.format(options.time_limit),), proven=False)
    try:
        plan = solve(problem, options)
    except TimeoutError:
        return not_found
    return outcome_of(problem, plan, options)


def outcome_of(problem: Problem, plan: Plan, options: SolveOptions) -> Outcome:
    """Turn a solved Plan into an Outcome: its fairness report, or why there is no plan.

    For an INFEASIBLE plan (after the counting checks passed) the infeasible core names the
    cause, within `options.time_limit` (at most EXPLAIN_SECONDS).
    """
    from scheduler.solve.core import explain_core

    if plan.status == INFEASIBLE:
        sentences = explain_core(problem, min(options.time_limit, EXPLAIN_SECONDS))
        if sentences:
            return Outcome(None, None, tuple(sentences))
        return Outcome(None, None, (NOT_FOUND.format(options.time_limit),), proven=False)
    report = fairness_report(problem, plan.assignments, DayCalendar(problem.org), plan.lower_bound)
    return Outcome(plan, report)
