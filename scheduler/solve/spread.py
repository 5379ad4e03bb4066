"""Phases 2 and 3: the exact spread with the ratio capped, then the wishes (SPEC section 5).

The spread is `sum_p (L_p - S_p)^2`. With `s_p = round(S_p)`, `f_p = S_p - s_p` and the integer
deviation `d_p = L_p - s_p`, each term is `d_p^2 - 2 f_p d_p + f_p^2`: the squares of integers,
a linear term and a constant. A square `q_p >= d_p^2` is bounded below by secants
`q >= (2k+1) d - k(k+1)`, exact at `d = k` and `k + 1` (or, where a person's shifts can make
only some deviations, the chord between two neighbouring ones), added lazily: solve, add the
secants at every deviation where `q < d^2`, solve again from the plan, until none is violated.
Every model on the way is a relaxation, so each bound it proves is a bound on the true spread;
once no secant is violated, the plan's spread is what the model measured.

When phase 2 ends (docs/fairness.md#when-a-solve-ends): a round proves its optimum and no secant
is violated (the spread is proven), or the group's budget of deterministic time is spent, or
`MAX_ROUNDS` rounds have run.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler.solve.formulation import RotaModel, add_wishes, compared
from scheduler.solve.options import SolveOptions
from scheduler.solve.phase1 import GroupResult, cap, hint, size_work, values_of
from scheduler.solve.search import SOLVED, Budget, cp_solver, run

SPREAD_SCALE = 10_000  # the spread is optimised in units of 1/10,000 of a squared point
WORK_BASE = 5.0  # deterministic seconds of phases 2 and 3 shared by the groups by size, and
# more by each one's own size (phase1.size_work)
GRID = 16  # secants per person on an even grid from the start, so the first round is not blind
MAX_ROUNDS = 12
MAX_VALUES = 2000  # a person's reachable deviations listed up to this many (else an interval)
ROUND_SHARE = 0.5  # of what is left for each round but the last
NEAR = 2  # neighbours cut on either side of a violated square


@dataclass
class Deviation:
    """One person's deviation `d = L - round(S)` and the variable `q` bounding its square.

    `values` are the deviations the person's shifts can make (sorted), when few enough to list;
    a secant between two neighbours of them is exact at both and cuts off nothing between.
    """

    person: str
    d: cp_model.IntVar
    q: cp_model.IntVar
    fraction: float  # S - round(S)
    values: list[int] = field(default_factory=list)
    cuts: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class SpreadResult:
    """The spread of a group's plan (squared points) and the proven bound under it."""

    value: float
    bound: float
    proven: bool


def phase2_work(rm: RotaModel, options: SolveOptions, part: float) -> float:
    """Return the deterministic seconds phases 2 and 3 of this group may spend, by its size.

    `part` is the group's part of all the decision variables (0 to 1).
    """
    return options.effort * (WORK_BASE * part + size_work(rm))


def loads_of(rm: RotaModel, values: dict) -> dict[str, int]:
    """Return the load (history + planned points) of every person compared, for a solution."""
    loads = {p: rm.inputs.history[p] for p in compared(rm)}
    for (i, role, p), v in values.items():
        if v and p in loads:
            loads[p] += rm.points[(i, role, p)]
    return loads


def spread_of(rm: RotaModel, values: dict) -> float:
    """Return the spread of a solution, exactly as SPEC 5 defines it (squared points)."""
    return sum((load - rm.inputs.shares[p]) ** 2 for p, load in loads_of(rm, values).items())


def _secant(rm: RotaModel, dev: Deviation, a: int, b: int) -> None:
    """Add `q >= (a + b) d - a b`: the chord of `d^2` through `d = a` and `d = b`."""
    if (a, b) not in dev.cuts and a < b:
        dev.cuts.add((a, b))
        rm.model.add(dev.q >= (a + b) * dev.d - a * b)


def _cut_at(rm: RotaModel, dev: Deviation, at: int) -> None:
    """Make the square exact at deviation `at`: secants to its neighbours on either side."""
    if not dev.values:
        _secant(rm, dev, at - 1, at)
        _secant(rm, dev, at, at + 1)
        return
    pos = bisect.bisect_left(dev.values, at)
    pos = min(pos, len(dev.values) - 1)
    at = dev.values[pos]
    # Chords to the neighbours; at either end, the unit secant (valid for every integer).
    _secant(rm, dev, dev.values[pos - 1] if pos > 0 else at - 1, at)
    _secant(rm, dev, at, dev.values[pos + 1] if pos + 1 < len(dev.values) else at + 1)


def _cut_near(rm: RotaModel, dev: Deviation, at: int) -> None:
    """Make the square exact at deviation `at` and at its `NEAR` reachable neighbours either side.

    The next round's optimum is usually a step or two away from this one's: cutting there too
    saves the rounds that would find that out one violated square at a time.
    """
    if not dev.values:
        for k in range(at - NEAR, at + NEAR + 1):
            _cut_at(rm, dev, k)
        return
    pos = min(bisect.bisect_left(dev.values, at), len(dev.values) - 1)
    for k in dev.values[max(0, pos - NEAR) : pos + NEAR + 1]:
        _cut_at(rm, dev, k)


def _reachable(points: list[int], low: int, high: int) -> list[int] | None:
    """Return every sum of a subset of `points` in `[low, high]`, or None when too many."""
    reach = 1
    for pts in points:
        reach |= reach << pts
    low = max(low, 0)
    if high < low:
        return None
    window = (reach >> low) & ((1 << (high - low + 1)) - 1)
    if window.bit_count() > MAX_VALUES:
        return None
    found = []
    while window:
        bit = window & -window
        found.append(low + bit.bit_length() - 1)
        window ^= bit
    return found


def add_spread(rm: RotaModel, start: dict) -> tuple[list[Deviation], cp_model.LinearExpr, float]:
    """Add the deviations and their squares; return them, the objective and its offset.

    The objective plus the offset, divided by `SPREAD_SCALE`, is the spread whenever every
    `q = d^2`; below that it is a relaxation. Secants start on a coarse grid and at the
    deviations of the plan `start`.
    """
    loads = loads_of(rm, start)
    # A plan no worse than `start` keeps every |L_p - S_p| within sqrt(its spread): a far
    # tighter domain for each deviation than the points a person could take.
    reach = math.isqrt(math.ceil(spread_of(rm, start))) + 2
    deviations, terms, offset = [], [], 0.0
    for p in compared(rm):
        share = rm.inputs.shares[p]
        rounded = round(share)
        history = rm.inputs.history[p]
        most = history + sum(rm.points[(i, r, p)] for (i, r) in rm.by_person.get(p, {}))
        low = max(history - rounded, -reach)
        high = max(min(most - rounded, reach), low, loads[p] - rounded)
        offered = [rm.points[(i, r, p)] for (i, r) in rm.by_person.get(p, {})]
        sums = _reachable(offered, low + rounded - history, high + rounded - history)
        values = [] if sums is None else [v + history - rounded for v in sums]
        if values:
            domain = cp_model.Domain.from_values(values)
            d = rm.model.new_int_var_from_domain(domain, f"deviation/{p}")
        else:
            d = rm.model.new_int_var(low, high, f"deviation/{p}")
        rm.model.add(d == rm.planned(p) + history - rounded)
        q = rm.model.new_int_var(0, max(low * low, high * high), f"square/{p}")
        dev = Deviation(p, d, q, share - rounded, values)
        grid = values or list(range(low, high + 1))
        step = max(1, len(grid) // GRID)
        for at in (*grid[::step], 0, loads[p] - rounded):
            _cut_at(rm, dev, min(max(at, grid[0]), grid[-1]))
        deviations.append(dev)
        terms.append(SPREAD_SCALE * q - round(2 * SPREAD_SCALE * dev.fraction) * d)
        offset += SPREAD_SCALE * dev.fraction**2
    return deviations, sum(terms), offset


def _bound_error(rm: RotaModel, deviations: list[Deviation]) -> float:
    """Return how far rounding `2 f` to 1/SPREAD_SCALE can move the objective (squared points)."""
    model = rm.model.proto
    most = sum(max(abs(v) for v in model.variables[dev.d.index].domain) for dev in deviations)
    return 0.5 * most / SPREAD_SCALE


def _violated(solver: cp_model.CpSolver, deviations: list[Deviation]) -> list[Deviation]:
    return [dev for dev in deviations if solver.value(dev.q) < solver.value(dev.d) ** 2]


def least_spread(
    result: GroupResult,
    z_star: int,
    options: SolveOptions,
    budget: Budget,
    work: float,
    report: Callable[[float | None, float], None],
) -> tuple[SpreadResult, cp_model.LinearExpr, list[Deviation], float]:
    """Phase 2: minimise the exact spread with the ratio capped at `z_star`.

    Updates `result.values` to the plan of least spread found; returns the spread, the
    objective (for phase 3 to keep), the deviations and the work left unspent.
    """
    rm = result.rm
    cap(rm, result.z, 0, max(z_star, result.best))
    deviations, objective, offset = add_spread(rm, result.values)
    rm.model.minimize(objective)
    error = _bound_error(rm, deviations)
    best = spread_of(rm, result.values)
    bound, proven, left = 0.0, False, work
    for round_ in range(MAX_ROUNDS):
        hint(rm, result.values)
        last = round_ == MAX_ROUNDS - 1
        solver = cp_solver(options, left if last else left * ROUND_SHARE, budget, lp="full")
        status, spent = run(solver, rm.model, budget)
        left -= spent
        if status not in SOLVED:
            break
        relaxed = (solver.best_objective_bound + offset) / SPREAD_SCALE - error
        bound = max(bound, relaxed)
        values = values_of(rm, solver)
        if spread_of(rm, values) <= best:
            result.values, best = values, spread_of(rm, values)
        report(best, min(bound, best))
        violated = _violated(solver, deviations)
        if not violated:
            proven = status == cp_model.OPTIMAL
            break
        for dev in violated:
            _cut_near(rm, dev, solver.value(dev.d))
        if left <= 0 or budget.left() <= 0:
            break
    rm.model.clear_objective()
    if proven:
        bound = best  # the rounding error aside, the optimum of the relaxation is the plan's
    return SpreadResult(best, min(bound, best), proven), objective, deviations, max(0.0, left)


def fewest_broken_wishes(
    result: GroupResult,
    spread: SpreadResult,
    objective: cp_model.LinearExpr,
    deviations: list[Deviation],
    options: SolveOptions,
    budget: Budget,
    work: float,
) -> tuple[bool, float]:
    """Phase 3: fewest broken avoid requests, then changes, keeping the spread found.

    Returns whether it was proven, and the work left unspent. A plan whose spread (measured
    exactly) exceeds phase 2's is refused: secants are added where it cheated, and it repeats.
    """
    rm = result.rm
    wishes = add_wishes(rm)
    if isinstance(wishes, int):
        return True, work
    # Phase 2's plan meets this limit with every square exact: it stays a solution.
    rm.model.add(objective <= _objective_value(rm, result.values, deviations))
    rm.model.minimize(wishes)
    left = work
    for _ in range(MAX_ROUNDS):
        hint(rm, result.values)
        solver = cp_solver(options, left * ROUND_SHARE, budget, lp="full")
        status, spent = run(solver, rm.model, budget)
        left -= spent
        if status not in SOLVED:
            return False, max(0.0, left)
        values = values_of(rm, solver)
        violated = _violated(solver, deviations)
        if spread_of(rm, values) <= spread.value + 1e-6:
            result.values = values
            return status == cp_model.OPTIMAL and not violated, max(0.0, left)
        for dev in violated:
            _cut_near(rm, dev, solver.value(dev.d))
        if left <= 0 or budget.left() <= 0:
            return False, 0.0
    return False, max(0.0, left)


def _objective_value(rm: RotaModel, values: dict, deviations: list[Deviation]) -> int:
    """Return phase 2's integer objective at a plan, with every square exact."""
    loads = loads_of(rm, values)
    total = 0
    for dev in deviations:
        d = loads[dev.person] - round(rm.inputs.shares[dev.person])
        total += SPREAD_SCALE * d * d - round(2 * SPREAD_SCALE * dev.fraction) * d
    return total
