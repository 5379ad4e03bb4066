"""Large neighbourhood search for phase 1: lower a group's max load ratio a few weeks at a time.

A single CP-SAT worker searching the whole of a large group finds good plans slowly: on
`../shared/benchmarks/b2_two_sites.yaml` (16 people, 299 shifts) it stalled 20% above the best
known ratio. Here the best plan is improved by re-planning a neighbourhood at a time, every
other assignment held: all the shifts of a few consecutive weeks, or everything a few people
hold (always including those at the max). Each neighbourhood minimises the max load ratio
first, and then the *excess*: the points by which people exceed the loads of a ratio a quarter
of the way down to the proven bound, with nobody above the best. A neighbourhood that lowers
the ratio outright does; one that cannot still makes partial progress on the excess, and the
search goes on from the better plan (docs/fairness.md#when-a-solve-ends). Each step searches
without the linear relaxation (`search.cp_solver(lp="none")`): held mostly fixed, the model
gains little from it, and the search without it finds fairer plans for the same work.

Every step spends a small budget of CP-SAT deterministic time and the neighbourhoods are drawn
from a generator seeded by `SolveOptions.seed`, so the plan does not depend on the machine's
load. The search ends when the ratio meets its proven bound, when `STALL` neighbourhoods in a
row improved nothing, or when its budget is spent.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.solve.formulation import (
    RATIO_SCALE,
    SHARE_SCALE,
    Key,
    RotaModel,
    compared,
    scaled_share,
)
from scheduler.solve.options import SolveOptions
from scheduler.solve.search import SOLVED, Budget, cp_solver, run

STEP_WORK = 1.0  # deterministic seconds per neighbourhood
FREE = 400  # decision variables the first neighbourhood sets free, about...
GROW = 1.5  # ...times this after a step settled quickly, divided by it after one cut short
FREE_LEAST = 50
STALL = 40  # neighbourhoods in a row without progress that end the search
TARGET_PART = 4  # the excess is measured at this part of the way from the best to the bound


@dataclass
class Stage:
    """The model of one descent step: excess above the loads a ratio of `target` allows."""

    target: int  # scaled max load ratio every load is measured against
    model: cp_model.CpModel
    allowed: dict[str, int]  # planned points each person may hold at the target ratio


def allowed_points(rm: RotaModel, target: int) -> dict[str, int]:
    """Return the planned points each person compared may hold at a scaled ratio of `target`.

    The ratio constraint of `formulation.add_max_ratio` is `load * RATIO_SCALE * SHARE_SCALE <=
    z * scaled_share`; at `z = target` the load may be at most the floor of their quotient.
    """
    return {
        p: target * scaled_share(rm, p) // (RATIO_SCALE * SHARE_SCALE) - rm.inputs.history[p]
        for p in compared(rm)
    }


def excesses(rm: RotaModel, values: dict[Key, int], allowed: dict[str, int]) -> dict[str, int]:
    """Return, per person, the points by which a plan's load exceeds `allowed` (0: within)."""
    planned = dict.fromkeys(allowed, 0)
    for (i, role, p), v in values.items():
        if v and p in planned:
            planned[p] += rm.points[(i, role, p)]
    return {p: max(0, planned[p] - allowed[p]) for p in allowed}


def above(over: dict[str, int]) -> list[str]:
    """Return the people with an excess, sorted."""
    return sorted(p for p, points in over.items() if points > 0)


def _stage(rm: RotaModel, z: cp_model.IntVar, best: int, low: int) -> Stage:
    """Copy the group's model, cap the ratio at `best`, and minimise the ratio, then the excess.

    The excess is measured at a target a quarter of the way from `best` down to the proven
    bound `low` (at least one step below `best`): far enough that several people exceed it by
    many points, so that each neighbourhood can make partial progress. The ratio's weight is
    one more than the largest excess possible, so that a lower ratio always wins.
    """
    model = rm.model.clone()
    model.clear_objective()
    model.clear_hints()
    target = max(low, best - max(1, (best - low) // TARGET_PART))
    allowed = allowed_points(rm, target)
    domain = model.proto.variables[z.index].domain
    domain[0], domain[1] = min(low, best), best
    terms, ceilings = [], []
    for p, room in allowed.items():
        held = rm.by_person.get(p, {})
        if not held:
            continue
        # The clone numbers its variables as the group's model does, so the group's own
        # variables stand for the clone's (the constraint's proto is the same either way).
        planned = cp_model.LinearExpr.weighted_sum(
            list(held.values()), [rm.points[(i, r, p)] for (i, r) in held]
        )
        most = sum(rm.points[(i, r, p)] for (i, r) in held)
        if most <= room:
            continue  # this person can never exceed the target
        ceiling = most - max(room, 0)
        over = model.new_int_var(0, ceiling, f"excess/{p}")
        model.add(planned - room <= over)
        terms.append(over)
        ceilings.append(ceiling)
    # The ratio first (b2: every seed of 1 to 4 reaches 1.1408; the excess alone stalled two
    # of them at 1.1473, where each neighbourhood's least excess kept the ratio).
    model.minimize(z * (1 + sum(ceilings)) + sum(terms))
    return Stage(target, model, allowed)


def _weeks(rm: RotaModel) -> list[int]:
    """Return each shift's week, counted from the group's first shift."""
    if not rm.shifts:
        return []
    first = min(s.start for s in rm.shifts)
    return [(s.start - first).days // 7 for s in rm.shifts]


def _neighbourhood(
    rm: RotaModel,
    rng: random.Random,
    step: int,
    weeks: list[int],
    over: list[str],
    size: int,
) -> set[Key]:
    """Return about `size` decision variables to set free: a window of weeks, or people's all.

    Even steps free every variable of the shifts in a window of consecutive weeks; odd steps
    free every variable of the people `over` the target and of others drawn at random.
    """
    if step % 2 == 0:
        span = max(weeks, default=0) + 1
        width = max(1, round(span * size / max(1, len(rm.x))))
        start = rng.randrange(max(1, span - width + 1))
        return {k for k in rm.x if start <= weeks[k[0]] < start + width}
    others = sorted(p for p in rm.by_person if p not in over)
    rng.shuffle(others)
    chosen = set(over)
    held = sum(len(rm.by_person[p]) for p in chosen)
    for p in others:
        if held >= size:
            break
        chosen.add(p)
        held += len(rm.by_person[p])
    return {k for k in rm.x if k[2] in chosen}


def _held(model: cp_model.CpModel, index: dict[Key, int], values: dict[Key, int]):
    """Return a copy of a stage's model with every decision variable fixed at its value in
    `values` (0 when absent) and hinted at it: each step frees its neighbourhood in a copy.

    `index` maps each decision variable to its proto index. Proto-level, in bulk: a group of
    69,000 variables is held in about 0.15 s, where freeing a neighbourhood costs little.
    """
    held = model.clone()
    domains = held.proto.variables
    hint = held.proto.solution_hint
    order = list(index.items())
    for k, i in order:
        domain, value = domains[i].domain, values.get(k, 0)
        domain[0] = domain[1] = value
    hint.vars.extend(i for _, i in order)
    hint.values.extend(values.get(k, 0) for k, _ in order)
    return held


def descend(
    rm: RotaModel,
    z: cp_model.IntVar,
    values: dict[Key, int],
    best: int,
    bound: int,
    options: SolveOptions,
    budget: Budget,
    work: float,
    ratio_of: Callable[[dict[Key, int]], int],
    report: Callable[[dict[Key, int], int], None],
) -> tuple[dict[Key, int], int, float]:
    """Lower the max load ratio of a plan by neighbourhoods; return the plan, ratio, work left.

    `values` is a plan of the group (its decision variables set) with ratio `best` (scaled);
    `bound` is proven, and the search stops on reaching it. `ratio_of` measures a plan;
    `report` is called with each better plan and its ratio.
    """
    rng = random.Random(options.seed)
    weeks = _weeks(rm)
    index = {k: v.index for k, v in rm.x.items()}
    stage = _stage(rm, z, best, bound)
    held = _held(stage.model, index, values)
    over = excesses(rm, values, stage.allowed)
    left, stalled, step, size = work, 0, 0, FREE
    while left > 0 and best > bound and stalled < STALL and budget.left() > 0:
        free = _neighbourhood(rm, rng, step, weeks, above(over), size)
        step += 1
        model = held.clone()
        domains, stated = model.proto.variables, stage.model.proto.variables
        for k in free:
            domain, own = domains[index[k]].domain, stated[index[k]].domain
            domain[0], domain[1] = own[0], own[1]
        solver = cp_solver(options, min(STEP_WORK, left), budget, lp="none")
        status, spent = run(solver, model, budget)
        left -= spent
        # Settled well within the step's budget: try larger neighbourhoods; cut short: smaller.
        if status == cp_model.OPTIMAL and spent < STEP_WORK / 2:
            size = min(len(index), int(size * GROW))
        elif status != cp_model.OPTIMAL:
            size = max(FREE_LEAST, int(size / GROW))
        if status not in SOLVED:
            stalled += 1
            continue
        found = dict(values)
        solution = list(solver.response_proto.solution)  # read at once: 3 times faster
        for k in free:
            found[k] = solution[index[k]]
        ratio, found_over = ratio_of(found), excesses(rm, found, stage.allowed)
        if ratio < best:
            values, best = found, ratio
            report(values, best)
            stage = _stage(rm, z, best, bound)
            held = _held(stage.model, index, values)
            over, stalled = excesses(rm, values, stage.allowed), 0
        elif ratio == best and sum(found_over.values()) < sum(over.values()):
            values, over, stalled = found, found_over, 0
            held = _held(stage.model, index, values)
        else:
            stalled += 1
    return values, best, max(0.0, left)
