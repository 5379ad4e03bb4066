"""Phase 1: the smallest max load ratio of one group of rotations (SPEC section 5).

A short direct minimisation from the max-flow floor finds a first plan (in large groups from a
greedy fair plan as the hint; where it finds none, the same search without the linear
relaxation), often proven at once when the floor is tight. A proof attempt then asks CP-SAT's
probing search whether any plan beats it (usually settled in a fraction of a second, where the
default search needs seconds; in groups of 500 variables or more only near the floor). In those
groups a neighbourhood search (lns.py) then lowers the ratio a few weeks or a few people at a
time, and bisection over capped feasibility checks closes what is left. Each step spends
CP-SAT deterministic time from the group's budget, never wall-clock slices, so the result does
not depend on the machine's load.

When a phase-1 search of a group ends (docs/fairness.md#when-a-solve-ends): its ratio is proven,
or (given `enough`) is no larger than a ratio another group already has, or a bisection check
could be settled neither by the default nor by the probing search (the rest of the budget then
goes to one last minimisation from the best plan), or the budget is spent. The solve passes no
`enough`, so that groups can be solved apart (docs/fairness.md#stages)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.solve.formulation import Key, RotaModel, add_max_ratio, compared, scaled_ratio_of
from scheduler.solve.greedy import greedy_plan
from scheduler.solve.lns import descend
from scheduler.solve.options import SolveOptions
from scheduler.solve.search import SOLVED, Budget, cp_solver, run

WORK_LEAST = 3.0  # deterministic seconds of phase 1 that any group may spend...
WORK_BASE = 12.0  # ...or its part of these, shared by the groups in proportion to size...
WORK_PER_VARIABLE = 1 / 4000  # ...and more by each one's size...
# ...counting at most this many: a large model costs more wall clock per deterministic second
# (69,000 variables: 4 times a small one), and its budget must end before the time limit
WORK_VARIABLES_MOST = 4000
FIRST_SHARE = 0.2  # of the budget at most for the first direct minimisation...
FIRST_PER_VARIABLE = 1 / 2500  # ...by the group's size (small groups need little)...
FIRST_LEAST = 0.6  # ...and at least these deterministic seconds...
FIRST_MOST = 1.5  # ...and at most these (a large model's first plan costs more wall clock)
PROOF_SHARE = 0.15  # of what is left for each probing proof that the best plan is optimal...
PROOF_LEAST = 1.0  # ...and at least these deterministic seconds when the best is within...
PROOF_CLOSE = 0.04  # ...this fraction of the bound, in groups below PROBE_GAP_FROM variables
# (and groups from LNS_FROM variables try a proof only that close: see worth_probing)
PROBE_GAP = 0.03  # ...tried in large groups once the best is within this fraction of the bound
PROBE_GAP_FROM = 5000  # (decision variables): there a probe costs 5 times its budget in wall clock
CHECK_SHARE = 0.25  # of what is left for each bisection check
LNS_SHARE = 0.8  # of what is left for the neighbourhood search (lns.py), once...
LNS_FROM = 500  # ...in groups of at least this many decision variables
GREEDY_FROM = 5000  # variables from which a greedy fair plan is the first hint
RETRY_WORK = 3.0  # deterministic seconds of a no-LP retry of a first minimisation without a plan


@dataclass
class GroupResult:
    """Phase 1 of one group: its best plan so far and what is proven about its ratio.

    `best` and `bound` are in the model's integer units (`RATIO_SCALE`): no plan of this group
    has a max load ratio below `bound`.
    """

    rm: RotaModel
    z: cp_model.IntVar
    values: dict[Key, int]
    best: int
    bound: int
    infeasible: bool = False

    @property
    def teams(self) -> tuple[str, ...]:
        """Return the ids of the group's teams, sorted."""
        return tuple(sorted({s.team for s in self.rm.shifts}))

    def done(self, enough: int) -> bool:
        """Whether lowering this group's ratio further can no longer lower the org's."""
        return self.best <= max(self.bound, enough)


def phase1_work(rm: RotaModel, options: SolveOptions, part: float) -> float:
    """Return the deterministic seconds phase 1 of this group may spend, by its size.

    `part` is the group's part of all the decision variables (0 to 1).
    """
    return options.effort * (max(WORK_LEAST, WORK_BASE * part) + size_work(rm))


def size_work(rm: RotaModel) -> float:
    """Return the deterministic seconds a group's size adds to a phase's budget (phases 1 to
    3 alike): `WORK_PER_VARIABLE` per decision variable, counting `WORK_VARIABLES_MOST` at most.
    """
    return min(len(rm.x), WORK_VARIABLES_MOST) * WORK_PER_VARIABLE


def worth_probing(size: int, best: int, floor: int) -> bool:
    """Whether a probing proof that `best` is optimal is worth its budget now.

    `size` is the group's decision variables, `best` and `floor` scaled ratios (`floor`
    proven). Small groups (under `LNS_FROM`) always try: there the proof settles the ratio. In
    larger groups a proof far above the floor rarely succeeds and costs several times its
    budget in wall clock (b2: 4.5 s for 1.3 deterministic seconds, 7% above the floor), so
    they try within `PROOF_CLOSE` of the floor, and groups from `PROBE_GAP_FROM` within
    `PROBE_GAP`.
    """
    if size < LNS_FROM:
        return True
    close = PROOF_CLOSE if size < PROBE_GAP_FROM else PROBE_GAP
    return best - floor <= close * floor


def hint(rm: RotaModel, values: dict[Key, int]) -> None:
    """Hint the model with a full solution (0 for every variable not in `values`).

    Written to the proto in bulk, as `add_hint` would one by one: on 69,000 variables that
    takes 0.05 s instead of 0.4 s, and a large group's phase 1 hints about 50 times.
    """
    rm.model.clear_hints()
    hinted = rm.model.proto.solution_hint
    hinted.vars.extend(v.index for v in rm.x.values())
    hinted.values.extend(values.get(k, 0) for k in rm.x)


def values_of(rm: RotaModel, solver: cp_model.CpSolver) -> dict[Key, int]:
    """Return the value of every decision variable in the solver's last solution."""
    solution = list(solver.response_proto.solution)  # read at once: 3 times faster
    return {k: solution[v.index] for k, v in rm.x.items()}


def scaled_ratio(rm: RotaModel, values: dict[Key, int]) -> int:
    """Return the max load ratio of a solution in the model's integer units."""
    loads = {p: rm.inputs.history[p] for p in compared(rm)}
    for (i, role, p), v in values.items():
        if v and p in loads:
            loads[p] += rm.points[(i, role, p)]
    return max((scaled_ratio_of(rm, p, load) for p, load in loads.items()), default=0)


def cap(rm: RotaModel, z: cp_model.IntVar, low: int, high: int) -> None:
    """Set the domain of the ratio variable in place (cheaper than a new constraint)."""
    domain = rm.model.proto.variables[z.index].domain
    domain[0], domain[1] = low, high


def smallest_max_ratio(
    rm: RotaModel,
    options: SolveOptions,
    budget: Budget,
    work: float,
    floor: int,
    enough: int,
    report: Callable[[GroupResult], None],
) -> tuple[GroupResult, float]:
    """Minimise the group's max load ratio; return the result and the work left unspent.

    `floor` is proven (the max-flow bound), `enough` a ratio another group already has: the
    search stops once this group is at or below it. Raises TimeoutError when no plan was found
    before the wall-clock cap and none was proven impossible.
    """
    z = add_max_ratio(rm)
    top = rm.model.proto.variables[z.index].domain[1]
    low = min(max(floor, enough), top)
    cap(rm, z, low, top)
    rm.model.minimize(z)
    if len(rm.x) >= GREEDY_FROM:
        hint(rm, greedy_plan(rm))
    first = min(work * FIRST_SHARE, len(rm.x) * FIRST_PER_VARIABLE, FIRST_MOST)
    first = max(FIRST_LEAST, first)
    solver = cp_solver(options, min(work, first), budget)
    status, spent = run(solver, rm.model, budget)
    if status == cp_model.UNKNOWN and len(rm.x) < GREEDY_FROM:
        # The linear relaxation slowed the search too much to find a plan: without it the same
        # worker finds a fair one fast (b2: 1.1473, where a feasibility search found 2.29).
        solver = cp_solver(options, RETRY_WORK * options.effort, budget, lp="none")
        status, more = run(solver, rm.model, budget)
        spent += more
    rm.model.clear_objective()
    left = work - spent
    minimised = status != cp_model.UNKNOWN
    if not minimised:
        # Not even one plan yet: ask only for feasibility, with whatever the cap leaves.
        solver = cp_solver(options, None, budget)
        status, spent = run(solver, rm.model, budget)
        left -= spent
    if status == cp_model.INFEASIBLE:
        return GroupResult(rm, z, {}, 0, 0, infeasible=True), max(0.0, left)
    if status not in SOLVED:
        raise TimeoutError(f"no plan found within the time limit ({solver.status_name(status)})")
    values = values_of(rm, solver)
    best = scaled_ratio(rm, values)
    result = GroupResult(rm, z, values, best, min(floor, best))
    if minimised:
        _raise_bound(result, solver, low, floor)
    report(result)
    proved_at = None  # the best ratio a probing proof was last tried against
    descended = len(rm.x) < LNS_FROM  # small groups: the proof settles it, or bisection
    while not result.done(enough) and left > 0:
        floor_now = max(result.bound, low)
        if proved_at != result.best and worth_probing(len(rm.x), result.best, floor_now):
            left, _ = _prove(result, options, budget, left, floor_now)
            proved_at = result.best  # after a plan it found, bisect rather than probe again
            report(result)
            continue
        if not descended:
            descended = True
            left = _descend(result, options, budget, left, low, report)
            continue
        middle = (max(result.bound, low) + result.best) // 2
        cap(rm, z, low, middle)
        hint(rm, result.values)
        solver = cp_solver(options, left * CHECK_SHARE, budget)
        status, spent = run(solver, rm.model, budget)
        left -= spent
        if status == cp_model.UNKNOWN:
            # Perhaps no plan is that fair: the probing search may prove it (and then sets
            # the bound itself, or takes a plan it found).
            left, status = _prove(result, options, budget, left, max(result.bound, low), middle)
            proved_at = result.best
            if status == cp_model.UNKNOWN:
                left = _minimise_rest(result, options, budget, left, low, floor)
                report(result)
                break
        elif status in SOLVED:
            result.values = values_of(rm, solver)
            result.best = min(result.best, scaled_ratio(rm, result.values))
        elif status == cp_model.INFEASIBLE:
            result.bound = middle + 1
        report(result)
    cap(rm, z, 0, top)
    return result, max(0.0, left)


def _descend(
    result: GroupResult,
    options: SolveOptions,
    budget: Budget,
    work: float,
    low: int,
    report: Callable[[GroupResult], None],
) -> float:
    """Spend `LNS_SHARE` of the work lowering the ratio by neighbourhoods; return work left."""

    def better(values: dict[Key, int], ratio: int) -> None:
        result.values, result.best = values, ratio
        report(result)

    share = work * LNS_SHARE
    values, best, unspent = descend(
        result.rm,
        result.z,
        result.values,
        result.best,
        max(result.bound, low),
        options,
        budget,
        share,
        lambda plan: scaled_ratio(result.rm, plan),
        better,
    )
    result.values, result.best = values, best
    return work - share + unspent


def _prove(
    result: GroupResult,
    options: SolveOptions,
    budget: Budget,
    work: float,
    low: int,
    high: int | None = None,
) -> tuple[float, int]:
    """Try to refute every ratio from `low` to `high` (default: just below the best) with the
    probing search; return the work left and the status.

    Infeasible: `high + 1` is a proven bound (the best is optimal when `high` is just below
    it). A plan found on the way becomes the best when it is better.
    """
    rm = result.rm
    high = result.best - 1 if high is None else high
    cap(rm, result.z, low, high)
    hint(rm, result.values)
    spend = work * PROOF_SHARE
    if len(rm.x) < PROBE_GAP_FROM and result.best - low <= PROOF_CLOSE * low:
        # Near the bound a proof is likely, and worth more than the search's last crumbs.
        spend = max(spend, PROOF_LEAST * options.effort)
    solver = cp_solver(options, spend, budget, prove=True)
    status, spent = run(solver, rm.model, budget)
    if status == cp_model.INFEASIBLE:
        result.bound = max(result.bound, high + 1)
    elif status in SOLVED:
        values = values_of(rm, solver)
        if scaled_ratio(rm, values) < result.best:
            result.values, result.best = values, scaled_ratio(rm, values)
    return work - spent, status


def _raise_bound(result: GroupResult, solver: cp_model.CpSolver, low: int, floor: int) -> None:
    """Take CP-SAT's bound when it proves something about this group alone.

    With `z >= low` in the model, a bound of exactly `low` may only mean the floor was reached
    (when `low` came from another group); above it, it bounds this group's own best ratio.
    """
    bound = min(result.best, int(math.ceil(solver.best_objective_bound - 1e-9)))
    if bound > low or low == floor:
        result.bound = max(result.bound, bound)


def _minimise_rest(
    result: GroupResult, options: SolveOptions, budget: Budget, work: float, low: int, floor: int
) -> float:
    """Spend what is left minimising the ratio directly from the best plan; return work left."""
    rm = result.rm
    cap(rm, result.z, max(low, result.bound), result.best)
    hint(rm, result.values)
    rm.model.minimize(result.z)
    solver = cp_solver(options, work, budget)
    status, spent = run(solver, rm.model, budget)
    rm.model.clear_objective()
    if status in SOLVED:
        values = values_of(rm, solver)
        if scaled_ratio(rm, values) <= result.best:
            result.values, result.best = values, scaled_ratio(rm, values)
        _raise_bound(result, solver, max(low, result.bound), floor)
    return work - spent
