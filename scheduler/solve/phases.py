"""Plan a quarter with CP-SAT: the lexicographic objective of docs/fairness.md, in phases.

Phase 1 finds the smallest max load ratio group by group (phase1.py), phase 2 the least spread
with that ratio fixed and phase 3 the fewest broken avoid requests and changes (spread.py).
Rotations that share nobody are solved separately: with fair shares constant, that loses
nothing. Smaller groups go first: they settle fast, and the ratio they reach is as low as a
larger group needs to go, since the org's max load ratio is the largest of the groups'.

Every search spends CP-SAT deterministic time from a budget that grows with each group's size
(what a group leaves unspent passes to the next), so the plan is the same on a busy machine as
on a quiet one; `time_limit` only caps the wall clock (docs/fairness.md#when-a-solve-ends).
"""

from __future__ import annotations

import math
import time as clock

from ortools.sat.python import cp_model

from scheduler.domain import rules
from scheduler.domain.eligibility import candidates
from scheduler.domain.fairness import fairness_inputs
from scheduler.domain.model import FEASIBLE, INFEASIBLE, OPTIMAL, Assignment, Plan, Problem, Role
from scheduler.domain.points import DayCalendar
from scheduler.solve.bound import lower_bound
from scheduler.solve.formulation import RATIO_SCALE, RotaModel, build, independent_groups
from scheduler.solve.options import RATIO, SPREAD, Progress, SolveOptions
from scheduler.solve.phase1 import GroupResult, phase1_work, scaled_ratio, smallest_max_ratio
from scheduler.solve.replan import fewest_changes, ratio_cap
from scheduler.solve.search import SOLVED, Budget, NotSolved, cp_solver, run
from scheduler.solve.spread import (
    SpreadResult,
    fewest_broken_wishes,
    least_spread,
    phase2_work,
)

__all__ = ["Progress", "SolveOptions", "solve"]

WISHES_SHARE = 0.2  # of a group's phase-2 budget kept for phase 3


def pin_shadow_points(rm: RotaModel, options: SolveOptions, budget: Budget) -> int | None:
    """Fix the group's total shadow points to those of a first plan; return them (points).

    Shadow points count in every load (docs/fairness.md), so with a shadow weight above zero the
    total load, and with it every fair share, depends on which shifts trainees shadow. Fixing
    the total keeps the shares constant, the ratio linear, and the shares the solver optimises
    equal to those the fairness report measures. Returns None when the group has no plan.
    """
    shadows = [(k, v) for k, v in rm.x.items() if k[1] == Role.SHADOW and rm.points[k]]
    if not shadows:
        return 0
    solver = cp_solver(options, None, budget)
    status, _ = run(solver, rm.model, budget)
    if status == cp_model.INFEASIBLE:
        return None
    if status not in SOLVED:
        raise TimeoutError(f"no plan found within the time limit ({solver.status_name(status)})")
    total = sum(rm.points[k] * int(solver.value(v)) for k, v in shadows)
    rm.model.add(sum(rm.points[k] * v for k, v in shadows) == total)
    return total


def solve(problem: Problem, options: SolveOptions | None = None) -> Plan:
    """Plan the problem by the objective order of docs/fairness.md#the-objective.

    Returns a Plan whose status is OPTIMAL (max load ratio proven), FEASIBLE, or INFEASIBLE
    (proven: no plan, no assignments). Raises TimeoutError (a NotSolved with the best lower
    bound known, when phase 1 ran) when no plan was found within `options.time_limit` seconds,
    or before an interrupt, and none was proven impossible. Every plan returned has passed
    the rulebook (`rules.assert_valid`).
    """
    options = options or SolveOptions()
    started = clock.monotonic()
    budget = Budget(started + options.time_limit, interrupt=options.interrupt)
    calendar = DayCalendar(problem.org)
    eligible = candidates(problem)
    models = [build(problem, shifts, calendar, eligible) for shifts in independent_groups(problem)]
    models.sort(key=lambda rm: (len(rm.x), rm.shifts[0].key if rm.shifts else ""))
    shadow_points = 0
    for rm in models:
        pinned = pin_shadow_points(rm, options, budget)
        if pinned is None:
            return Plan((), status=INFEASIBLE, solve_seconds=clock.monotonic() - started)
        shadow_points += pinned
    inputs = fairness_inputs(problem, calendar, shadow_points)
    for rm in models:
        rm.inputs = inputs
    flow_bound = lower_bound(problem, calendar, inputs, eligible)
    floor = 0 if flow_bound is None else max(0, math.floor(flow_bound * RATIO_SCALE) - 1)

    def say(phase: str, n: int, teams: tuple[str, ...], best: float | None, bound: float):
        if options.progress:
            seconds = clock.monotonic() - started
            before = max((r.best for r in results[:n]), default=0) / RATIO_SCALE or None
            progress = Progress(phase, best, bound, seconds, n + 1, len(models), teams, before)
            options.progress(progress)

    everything = max(1, sum(len(rm.x) for rm in models))
    results: list[GroupResult] = []
    spare = 0.0  # deterministic seconds earlier groups left unspent (at most doubles a budget)
    for n, rm in enumerate(models):
        enough = max((r.best for r in results), default=0)

        def report(r: GroupResult, n=n) -> None:
            say(RATIO, n, r.teams, r.best / RATIO_SCALE, max(r.bound, 0) / RATIO_SCALE)

        own = phase1_work(rm, options, len(rm.x) / everything)
        work = own + min(spare, own)
        try:
            result, spare = smallest_max_ratio(rm, options, budget, work, floor, enough, report)
        except TimeoutError as err:
            # The org's ratio is at least the flow bound and every settled group's bound.
            known = [max(0, r.bound - 1) / RATIO_SCALE for r in results]
            best = max([*known, flow_bound or 0.0]) or None
            raise NotSolved(str(err), best) from None
        if result.infeasible:
            return Plan((), status=INFEASIBLE, solve_seconds=clock.monotonic() - started)
        results.append(result)

    z_star = max(r.best for r in results)
    bound = max(r.bound for r in results)
    # A re-plan keeps what it can first, within `tolerance` of the best ratio (docs: re-planning).
    z_cap = ratio_cap(z_star, options.tolerance) if problem.previous else z_star
    spreads: list[SpreadResult] = []
    wishes_proven = True
    for n, result in enumerate(results):

        def report_spread(best: float, low: float, n=n, teams=result.teams) -> None:
            say(SPREAD, n, teams, best, low)

        own = phase2_work(result.rm, options, len(result.rm.x) / everything)
        work = own + min(spare, own)
        if problem.previous:
            changes_proven, left = fewest_changes(result, z_cap, options, budget, work / 2)
            wishes_proven &= changes_proven
            work = left + work / 2
        spread, objective, deviations, left = least_spread(
            result, z_cap, options, budget, work * (1 - WISHES_SHARE), report_spread
        )
        spreads.append(spread)
        proven, spare = fewest_broken_wishes(
            result, spread, objective, deviations, options, budget, left + work * WISHES_SHARE
        )
        wishes_proven &= proven

    assignments = tuple(
        sorted(
            Assignment(shift=r.rm.shifts[i], role=role, person=person)
            for r in results
            for (i, role, person), value in r.values.items()
            if value
        )
    )
    spread_proven = all(s.proven for s in spreads)
    reached = max(scaled_ratio(r.rm, r.values) for r in results)
    plan = Plan(
        assignments=assignments,
        status=OPTIMAL if reached <= bound else FEASIBLE,
        max_load_ratio=reached / RATIO_SCALE,
        # Infeasible at a cap of `bound - 1` proves every ratio exceeds (bound - 1) / scale.
        solver_bound=max(0, bound - 1) / RATIO_SCALE,
        flow_bound=flow_bound,
        lower_objectives_proven=spread_proven and wishes_proven,
        spread=sum(s.value for s in spreads),
        spread_bound=sum(s.bound for s in spreads),
        spread_proven=spread_proven,
        capped=budget.capped,
        solve_seconds=clock.monotonic() - started,
    )
    rules.assert_valid(problem, plan)
    return plan
