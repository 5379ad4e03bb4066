"""Plan a quarter with CP-SAT: the lexicographic objective of docs/fairness.md, in phases.

Phase 1 finds the smallest max load ratio by bisection over feasibility checks (with the
ratio capped), which CP-SAT settles in milliseconds where minimising the ratio directly
stalls on proving the bound. Phase 2 minimises the spread with that ratio fixed, phase 3 the
broken avoid requests and the changes to a previous plan. Rotations that share nobody are solved
separately: with fair shares constant, that loses nothing.
"""

from __future__ import annotations

import math
import time as clock
from dataclasses import dataclass

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
    add_spread,
    add_wishes,
    build,
    compared,
    independent_groups,
    scaled_ratio_of,
)
from scheduler.solve.options import Progress, SolveOptions

SOLVED = (cp_model.OPTIMAL, cp_model.FEASIBLE)
QUICK_START = 0.25  # seconds for the first direct minimisation of a small group...
QUICK_START_PER_VARIABLE = 1 / 5000  # ...and more for larger ones


def cp_solver(options: SolveOptions, seconds: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    solver.parameters.num_workers = options.num_workers
    solver.parameters.random_seed = options.seed
    return solver


def _hint(rm: RotaModel, values: dict[Key, int]) -> None:
    rm.model.clear_hints()
    for k, v in rm.x.items():
        rm.model.add_hint(v, values.get(k, 0))


def _values(rm: RotaModel, solver: cp_model.CpSolver) -> dict[Key, int]:
    return {k: int(solver.value(v)) for k, v in rm.x.items()}


def scaled_ratio(rm: RotaModel, values: dict[Key, int]) -> int:
    """Return the max load ratio of a solution in the model's integer units."""
    loads = {p: rm.inputs.history[p] for p in compared(rm)}
    for (i, role, p), v in values.items():
        if v and p in loads:
            loads[p] += rm.points[(i, role, p)]
    return max((scaled_ratio_of(rm, p, load) for p, load in loads.items()), default=0)


@dataclass
class GroupResult:
    rm: RotaModel
    z: cp_model.IntVar
    values: dict[Key, int]
    best: int  # the best max load ratio found, scaled
    bound: int  # proven: no plan of this group has a smaller one
    infeasible: bool = False

    @property
    def proven(self) -> bool:
        return self.best <= self.bound


def _cap(rm: RotaModel, z: cp_model.IntVar, low: int, high: int) -> None:
    domain = rm.model.proto.variables[z.index].domain
    domain[0], domain[1] = low, high


def smallest_max_ratio(
    rm: RotaModel,
    options: SolveOptions,
    deadline: float,
    last_resort: float,
    floor: int,
    report,
) -> GroupResult:
    """Phase 1: bisect on the capped ratio; each check is a pure feasibility question.

    A short direct minimisation finds a first plan; bisection with the ratio fixed then
    settles small groups in a fraction of a second. When a check cannot be settled in its
    slice (large groups), the rest of the budget goes to a hinted direct minimisation.
    """
    z = add_max_ratio(rm)
    top = rm.model.proto.variables[z.index].domain[1]
    _cap(rm, z, floor, top)
    rm.model.minimize(z)
    quick = QUICK_START + len(rm.x) * QUICK_START_PER_VARIABLE
    solver = cp_solver(options, min(quick, (deadline - clock.monotonic()) * 0.3))
    status = solver.solve(rm.model)
    rm.model.clear_objective()
    minimised = status != cp_model.UNKNOWN
    if not minimised:
        # Not even one plan yet: ask only for feasibility, with whatever time is left.
        solver = cp_solver(options, last_resort - clock.monotonic())
        status = solver.solve(rm.model)
    if status == cp_model.INFEASIBLE:
        return GroupResult(rm, z, {}, 0, 0, infeasible=True)
    if status not in SOLVED:
        raise TimeoutError(f"no plan found within the time limit ({solver.status_name(status)})")
    values = _values(rm, solver)
    best = scaled_ratio(rm, values)
    bound = max(floor, int(math.ceil(solver.best_objective_bound))) if minimised else floor
    result = GroupResult(rm, z, values, best, min(bound, best))
    report(result)
    while result.bound < result.best and clock.monotonic() < deadline:
        middle = (result.bound + result.best) // 2
        _cap(rm, z, middle, middle)
        _hint(rm, result.values)
        remaining = deadline - clock.monotonic()
        solver = cp_solver(options, min(remaining, max(QUICK_START, remaining * 0.25)))
        status = solver.solve(rm.model)
        if status in SOLVED:
            result.values = _values(rm, solver)
            result.best = scaled_ratio(rm, result.values)
        elif status == cp_model.INFEASIBLE:
            result.bound = middle + 1
        else:
            _minimise_rest(rm, z, result, options, deadline)
        report(result)
    _cap(rm, z, 0, top)
    return result


def _minimise_rest(
    rm: RotaModel, z: cp_model.IntVar, result: GroupResult, options: SolveOptions, deadline: float
) -> None:
    """Spend what is left of phase 1 minimising the ratio directly from the best plan."""
    _cap(rm, z, result.bound, result.best)
    _hint(rm, result.values)
    rm.model.minimize(z)
    solver = cp_solver(options, deadline - clock.monotonic())
    status = solver.solve(rm.model)
    rm.model.clear_objective()
    if status in SOLVED:
        values = _values(rm, solver)
        if scaled_ratio(rm, values) <= result.best:
            result.values, result.best = values, scaled_ratio(rm, values)
        result.bound = max(
            result.bound, min(result.best, int(math.ceil(solver.best_objective_bound)))
        )


def refine(result: GroupResult, z_star: int, options: SolveOptions, deadline: float) -> bool:
    """Phases 2 and 3 with the ratio capped at `z_star`; return whether both were proven."""
    rm = result.rm
    _cap(rm, result.z, 0, max(z_star, result.best))
    spread = add_spread(rm)
    rm.model.minimize(spread)
    _hint(rm, result.values)
    budget = max(0.0, deadline - clock.monotonic())
    solver = cp_solver(options, budget * 0.7)
    status = solver.solve(rm.model)
    if status not in SOLVED:
        return False
    result.values = _values(rm, solver)
    proven = status == cp_model.OPTIMAL
    wishes = add_wishes(rm)
    if isinstance(wishes, int):
        return proven
    rm.model.add(spread <= int(solver.objective_value))
    rm.model.minimize(wishes)
    _hint(rm, result.values)
    solver = cp_solver(options, deadline - clock.monotonic())
    status = solver.solve(rm.model)
    if status in SOLVED:
        result.values = _values(rm, solver)
    return proven and status == cp_model.OPTIMAL


def pin_shadow_points(rm: RotaModel, options: SolveOptions, deadline: float) -> int | None:
    """Fix the group's total shadow points to those of a first plan; return them (points).

    Shadow points count in every load (docs/fairness.md), so with a shadow weight above zero the
    total load, and with it every fair share, depends on which shifts trainees shadow. Fixing
    the total keeps the shares constant, the ratio linear, and the shares the solver optimises
    equal to those the fairness report measures. Returns None when the group has no plan.
    """
    shadows = [(k, v) for k, v in rm.x.items() if k[1] == Role.SHADOW and rm.points[k]]
    if not shadows:
        return 0
    solver = cp_solver(options, deadline - clock.monotonic())
    status = solver.solve(rm.model)
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
    (proven: no plan, no assignments). Raises TimeoutError when no plan was found within
    `options.time_limit` seconds and none was proven impossible. Every plan returned has passed
    the rulebook (`rules.assert_valid`).
    """
    options = options or SolveOptions()
    started = clock.monotonic()
    deadline = started + options.time_limit
    calendar = DayCalendar(problem.org)
    eligible = candidates(problem)
    models = [build(problem, shifts, calendar, eligible) for shifts in independent_groups(problem)]
    shadow_points = 0
    for rm in models:
        pinned = pin_shadow_points(rm, options, deadline)
        if pinned is None:
            return Plan((), status=INFEASIBLE, solve_seconds=clock.monotonic() - started)
        shadow_points += pinned
    inputs = fairness_inputs(problem, calendar, shadow_points)
    for rm in models:
        rm.inputs = inputs
    flow_bound = lower_bound(problem, calendar, inputs, eligible)
    floor = 0 if flow_bound is None else max(0, math.floor(flow_bound * RATIO_SCALE) - 1)
    results: list[GroupResult] = []

    def report(current: GroupResult) -> None:
        if options.progress:
            done = [*results, current]
            options.progress(
                Progress(
                    phase="max load ratio",
                    best=max(r.best for r in done) / RATIO_SCALE,
                    bound=max(r.bound for r in done) / RATIO_SCALE,
                    seconds=clock.monotonic() - started,
                )
            )

    for n, rm in enumerate(models):
        share = (deadline - clock.monotonic()) * 0.5 / (len(models) - n)
        result = smallest_max_ratio(rm, options, clock.monotonic() + share, deadline, floor, report)
        if result.infeasible:
            return Plan((), status=INFEASIBLE, solve_seconds=clock.monotonic() - started)
        results.append(result)

    z_star = max(r.best for r in results)
    ratio_proven = all(r.proven for r in results)
    refined = True
    for n, result in enumerate(results):
        budget = (deadline - clock.monotonic()) / (len(results) - n)
        refined &= refine(result, z_star, options, clock.monotonic() + budget)

    assignments = tuple(
        sorted(
            Assignment(shift=r.rm.shifts[i], role=role, person=person)
            for r in results
            for (i, role, person), value in r.values.items()
            if value
        )
    )
    plan = Plan(
        assignments=assignments,
        status=OPTIMAL if ratio_proven else FEASIBLE,
        max_load_ratio=z_star / RATIO_SCALE,
        # Infeasible at a cap of `bound - 1` proves every ratio exceeds (bound - 1) / scale.
        solver_bound=(max(r.bound for r in results) - 1) / RATIO_SCALE,
        flow_bound=flow_bound,
        lower_objectives_proven=refined,
        solve_seconds=clock.monotonic() - started,
    )
    rules.assert_valid(problem, plan)
    return plan
