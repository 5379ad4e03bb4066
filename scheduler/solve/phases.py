"""Plan a quarter with CP-SAT: the lexicographic objective of docs/fairness.md, in phases.

Phase 1 finds the smallest max load ratio group by group (phase1.py), phase 2 the least spread
with the org's ratio as the cap and phase 3 the fewest broken avoid requests and changes
(spread.py). Rotations that share nobody are solved separately: with fair shares constant,
that loses nothing.

The solve is four stages whose inputs and outputs are plain data (docs/fairness.md#stages):
`prepare` (the groups, the pinned shadow points, the max-flow floor), `ratio_stage` per group,
`spread_stage` per group (given the org's ratio, the largest of the groups'), and `assemble`.
A group's stages depend on nothing another group does, so `solve` runs them side by side, a
core each (parallel.py), and the job queue runs them on any number of machines, with the same
plan.

Every search spends CP-SAT deterministic time from a budget that grows with each group's size,
so the plan is the same on a busy machine as on a quiet one; `time_limit` only caps the wall
clock (docs/fairness.md#when-a-solve-ends).
"""

from __future__ import annotations

import math
import time as clock
from collections.abc import Callable
from dataclasses import replace

from ortools.sat.python import cp_model

from scheduler.domain import rules
from scheduler.domain.eligibility import candidates
from scheduler.domain.fairness import fairness_inputs
from scheduler.domain.model import FEASIBLE, INFEASIBLE, OPTIMAL, Assignment, Plan, Problem, Role
from scheduler.domain.points import DayCalendar
from scheduler.solve.bound import lower_bound
from scheduler.solve.formulation import (
    RATIO_SCALE,
    Key,
    RotaModel,
    add_max_ratio,
    build,
    independent_groups,
)
from scheduler.solve.options import RATIO, SPREAD, Progress, SolveOptions
from scheduler.solve.parallel import Outcome, run_groups, threads_for
from scheduler.solve.phase1 import GroupResult, phase1_work, scaled_ratio, smallest_max_ratio
from scheduler.solve.replan import fewest_changes, ratio_cap
from scheduler.solve.results import Prepared, RatioResult, SpreadOutcome
from scheduler.solve.search import SOLVED, Budget, NotSolved, cp_solver, run
from scheduler.solve.spread import fewest_broken_wishes, least_spread, phase2_work

__all__ = [
    "Prepared",
    "Progress",
    "RatioResult",
    "SolveOptions",
    "SpreadOutcome",
    "assemble",
    "org_ratio_cap",
    "prepare",
    "ratio_stage",
    "solve",
    "spread_stage",
]

WISHES_SHARE = 0.2  # of a group's phase-2 budget kept for phase 3


def pin_shadow_points(rm: RotaModel, options: SolveOptions, budget: Budget) -> int | None:
    """Fix the group's total shadow points to those of a first plan; return them (points).

    Shadow points count in every load (docs/fairness.md), so with a shadow weight above zero the
    total load, and with it every fair share, depends on which shifts trainees shadow. Fixing
    the total keeps the shares constant, the ratio linear, and the shares the solver optimises
    equal to those the fairness report measures. Returns None when the group has no plan.
    """
    shadows = _shadow_terms(rm)
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


def _shadow_terms(rm: RotaModel) -> list:
    return [(k, v) for k, v in rm.x.items() if k[1] == Role.SHADOW and rm.points[k]]


def prepare(
    problem: Problem, options: SolveOptions, budget: Budget
) -> tuple[Prepared, list[RotaModel]]:
    """Stage 1: split the problem into groups, pin shadow points, compute the flow bound.

    Returns the shared constants and the groups' models in solving order (the later stages of
    this process may reuse them; another process rebuilds them with `group_model`). Raises
    TimeoutError when a group found no plan before the wall-clock cap.
    """
    calendar = DayCalendar(problem.org)
    eligible = candidates(problem)
    split = independent_groups(problem)
    models = [(build(problem, shifts, calendar, eligible), i) for i, shifts in enumerate(split)]
    models.sort(key=lambda m: (len(m[0].x), m[0].shifts[0].key if m[0].shifts else ""))
    pins: list[int | None] = []
    for rm, _ in models:
        pinned = pin_shadow_points(rm, options, budget)
        pins.append(pinned if _shadow_terms(rm) else None)
        if pinned is None:
            return _prepared(models, pins, 0, None, infeasible=True), [m for m, _ in models]
    shadow_points = sum(p or 0 for p in pins)
    inputs = fairness_inputs(problem, calendar, shadow_points)
    for rm, _ in models:
        rm.inputs = inputs
    flow_bound = lower_bound(problem, calendar, inputs, eligible)
    return _prepared(models, pins, shadow_points, flow_bound), [m for m, _ in models]


def _prepared(models, pins, shadow_points, flow_bound, infeasible=False) -> Prepared:
    floor = 0 if flow_bound is None else max(0, math.floor(flow_bound * RATIO_SCALE) - 1)
    return Prepared(
        order=tuple(i for _, i in models),
        teams=tuple(tuple(sorted({s.team for s in rm.shifts})) for rm, _ in models),
        sizes=tuple(len(rm.x) for rm, _ in models),
        pins=tuple(pins) + (None,) * (len(models) - len(pins)),
        shadow_points=shadow_points,
        flow_bound=flow_bound,
        floor=floor,
        infeasible=infeasible,
    )


def group_model(problem: Problem, prepared: Prepared, n: int) -> RotaModel:
    """Rebuild group n's model as `prepare` left it: hard rules, pinned shadows, fair shares."""
    calendar = DayCalendar(problem.org)
    shifts = independent_groups(problem)[prepared.order[n]]
    rm = build(problem, shifts, calendar, candidates(problem))
    shadows = _shadow_terms(rm)
    if shadows and prepared.pins[n] is not None:
        rm.model.add(sum(rm.points[k] * v for k, v in shadows) == prepared.pins[n])
    rm.inputs = fairness_inputs(problem, calendar, prepared.shadow_points)
    return rm


def ratio_stage(
    problem: Problem,
    prepared: Prepared,
    n: int,
    options: SolveOptions,
    budget: Budget,
    org_best: float | None = None,
) -> RatioResult:
    """Stage 2, group n: its smallest max load ratio (phase1.py), from the flow floor.

    `org_best` (a ratio) only words the progress lines. Raises TimeoutError when no plan was
    found before the wall-clock cap.
    """
    rm = group_model(problem, prepared, n)
    return _ratio_stage(problem, prepared, n, options, budget, rm, org_best)[0]


def _ratio_stage(
    problem: Problem,
    prepared: Prepared,
    n: int,
    options: SolveOptions,
    budget: Budget,
    rm: RotaModel,
    org_best: float | None,
) -> tuple[RatioResult, GroupResult]:
    """Run stage 2 on a model of this process; return the result and the model's state."""
    started = clock.monotonic()

    def report(r: GroupResult) -> None:
        if options.progress:
            best, bound = r.best / RATIO_SCALE, max(r.bound, 0) / RATIO_SCALE
            seconds = clock.monotonic() - started
            teams = prepared.teams[n]
            options.progress(
                Progress(RATIO, best, bound, seconds, n + 1, prepared.groups, teams, org_best)
            )

    work = phase1_work(rm, options, prepared.part(n))
    result, _ = smallest_max_ratio(rm, options, budget, work, prepared.floor, 0, report)
    if result.infeasible:
        return RatioResult({}, 0, 0, infeasible=True, capped=budget.capped), result
    ratio = RatioResult(_set(result.values), result.best, result.bound, capped=budget.capped)
    return ratio, result


def org_ratio_cap(problem: Problem, ratios: list[RatioResult], options: SolveOptions) -> int:
    """Return the scaled ratio every group's later phases keep under: the org's max load ratio.

    A re-plan may go `tolerance` above it to change fewer assignments (docs: re-planning).
    """
    z_star = max(r.best for r in ratios)
    return ratio_cap(z_star, options.tolerance) if problem.previous else z_star


def spread_stage(
    problem: Problem,
    prepared: Prepared,
    n: int,
    ratio: RatioResult,
    z_cap: int,
    options: SolveOptions,
    budget: Budget,
    state: GroupResult | None = None,
) -> SpreadOutcome:
    """Stage 3, group n: fewest changes (re-plans), least spread, fewest broken wishes.

    `z_cap` comes from `org_ratio_cap`. `state` is the group's model as stage 2 left it in
    this process; without it the model is rebuilt, the same one (stage 2 only adds the ratio
    variable, and every search sets its own hints and bounds).
    """
    if state is None:
        rm = group_model(problem, prepared, n)
        z = add_max_ratio(rm)
    else:
        rm, z = state.rm, state.z
    result = GroupResult(rm, z, dict(ratio.values), ratio.best, ratio.bound)
    started = clock.monotonic()

    def report(best: float, low: float) -> None:
        if options.progress:
            seconds = clock.monotonic() - started
            teams = prepared.teams[n]
            options.progress(Progress(SPREAD, best, low, seconds, n + 1, prepared.groups, teams))

    work = phase2_work(rm, options, prepared.part(n))
    wishes_proven = True
    if problem.previous:
        changes_proven, left = fewest_changes(result, z_cap, options, budget, work / 2)
        wishes_proven = changes_proven
        work = left + work / 2
    spread, objective, deviations, left = least_spread(
        result, z_cap, options, budget, work * (1 - WISHES_SHARE), report
    )
    proven, _ = fewest_broken_wishes(
        result, spread, objective, deviations, options, budget, left + work * WISHES_SHARE
    )
    return SpreadOutcome(
        _set(result.values),
        scaled_ratio(rm, result.values),
        spread.value,
        spread.bound,
        spread.proven,
        wishes_proven and proven,
        capped=budget.capped,
    )


def assemble(
    problem: Problem,
    prepared: Prepared,
    ratios: list[RatioResult],
    spreads: list[SpreadOutcome],
    seconds: float,
) -> Plan:
    """Stage 4: the groups' plans as one Plan, checked against the rulebook.

    `ratios` and `spreads` are in group order. Raises rules.RuleViolation (via assert_valid)
    if the merged plan broke a hard rule, which would be a bug.
    """
    split = independent_groups(problem)
    assignments = tuple(
        sorted(
            Assignment(shift=split[prepared.order[n]][i], role=role, person=person)
            for n, s in enumerate(spreads)
            for (i, role, person), value in s.values.items()
            if value
        )
    )
    reached = max(s.ratio for s in spreads)
    bound = max(r.bound for r in ratios)
    spread_proven = all(s.spread_proven for s in spreads)
    plan = Plan(
        assignments=assignments,
        status=OPTIMAL if reached <= bound else FEASIBLE,
        max_load_ratio=reached / RATIO_SCALE,
        # Infeasible at a cap of `bound - 1` proves every ratio exceeds (bound - 1) / scale.
        solver_bound=max(0, bound - 1) / RATIO_SCALE,
        flow_bound=prepared.flow_bound,
        lower_objectives_proven=spread_proven and all(s.wishes_proven for s in spreads),
        spread=sum(s.spread for s in spreads),
        spread_bound=sum(s.spread_bound for s in spreads),
        spread_proven=spread_proven,
        capped=any(r.capped for r in ratios) or any(s.capped for s in spreads),
        solve_seconds=seconds,
    )
    rules.assert_valid(problem, plan)
    return plan


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
    prepared, models = prepare(problem, options, budget)
    if prepared.infeasible:
        return Plan((), status=INFEASIBLE, solve_seconds=clock.monotonic() - started)
    threads = threads_for(options, prepared.groups)

    def ratio_task(n: int) -> Callable[[SolveOptions], tuple[RatioResult, GroupResult]]:
        return lambda opts: _ratio_stage(problem, prepared, n, opts, budget, models[n], None)

    outcomes = run_groups(
        [ratio_task(n) for n in range(prepared.groups)], options, prepared.sizes, threads, _org_best
    )
    ratios: list[RatioResult] = []
    states: list[GroupResult] = []
    for outcome in outcomes:
        if isinstance(outcome.error, TimeoutError):
            # The org's ratio is at least the flow bound and every settled group's bound.
            known = [max(0, r.bound - 1) / RATIO_SCALE for r in ratios]
            best = max([*known, prepared.flow_bound or 0.0]) or None
            raise NotSolved(str(outcome.error), best) from None
        if outcome.error is not None:
            raise outcome.error
        ratio, state = outcome.value
        if ratio.infeasible:
            return Plan((), status=INFEASIBLE, solve_seconds=clock.monotonic() - started)
        ratios.append(ratio)
        states.append(state)
    z_cap = org_ratio_cap(problem, ratios, options)

    def spread_task(n: int) -> Callable[[SolveOptions], SpreadOutcome]:
        return lambda opts: spread_stage(
            problem, prepared, n, ratios[n], z_cap, opts, budget, states[n]
        )

    spreads = []
    for outcome in run_groups(
        [spread_task(n) for n in range(prepared.groups)], options, prepared.sizes, threads
    ):
        if outcome.error is not None:
            raise outcome.error
        spreads.append(outcome.value)
    return assemble(problem, prepared, ratios, spreads, clock.monotonic() - started)


def _org_best(n: int, progress: Progress, before: list[Outcome]) -> Progress:
    """Say the org's ratio so far in group n's progress: the largest of the groups before it."""
    known = [o.value[0].best for o in before if o.value is not None]
    return replace(progress, org_best=max(known, default=0) / RATIO_SCALE or None)


def _set(values: dict[Key, int]) -> dict[Key, int]:
    """Keep the decision variables that are set: the rest are 0 wherever a plan is read."""
    return {k: 1 for k, v in values.items() if v}
