"""A proven lower bound on the max load ratio by max-flow, in milliseconds.

See docs/fairness.md#max-load-ratio-and-its-lower-bound.

Shift-roles send their points to the people who may take them; each person absorbs at most
`R * S_p - history_p`, rounded down to a sum their eligible shifts can actually make. The
smallest `R` at which every point finds a home bounds the best max load ratio from below. It
ignores rest and lets a shift be split between people, so it is a relaxation.
"""

from __future__ import annotations

from ortools.graph.python import max_flow

from scheduler.domain.eligibility import candidates
from scheduler.domain.fairness import FairnessInputs, fairness_inputs
from scheduler.domain.model import Problem, Role
from scheduler.domain.points import DayCalendar


def _reachable_sums(points: list[int]) -> int:
    """Return a bitset of every sum a subset of `points` can make (bit k set: k is reachable)."""
    reach = 1
    for pts in points:
        reach |= reach << pts
    return reach


def _largest_reachable(reach: int, cap: int) -> int:
    """Return the largest reachable sum not above `cap`, or -1 when even 0 is above it."""
    if cap < 0:
        return -1
    return (reach & ((1 << (cap + 1)) - 1)).bit_length() - 1


def lower_bound(
    problem: Problem,
    calendar: DayCalendar,
    inputs: FairnessInputs | None = None,
    eligible: dict | None = None,
    tolerance: float = 1e-4,
) -> float | None:
    """Return a proven lower bound on the max load ratio, or None when coverage is impossible.

    `inputs` are the fair shares the plans are measured by (by default those of a plan
    without shadow points, exact when the shadow weight is zero); `eligible` maps (shift, role)
    to who may take it (computed when omitted). The bound is within `tolerance` below the
    smallest saturating ratio.
    """
    inputs = fairness_inputs(problem, calendar) if inputs is None else inputs
    eligible = candidates(problem) if eligible is None else eligible
    people = [p for p in problem.org.rotation_members if inputs.shares[p] > 0]
    index = {p: i for i, p in enumerate(people)}
    demand: list[tuple[int, list[int]]] = []
    offered: list[list[int]] = [[] for _ in people]
    for (shift, role), who in eligible.items():
        if role == Role.SHADOW:
            continue
        pts = calendar.points(shift.team, role, shift.start, shift.end)
        takers = [index[p] for p in who if p in index]
        demand.append((pts, takers))
        for i in takers:
            offered[i].append(pts)
    reachable = [_reachable_sums(pts) for pts in offered]
    total = sum(pts for pts, _ in demand)
    if total == 0:
        return max((inputs.history[p] / inputs.shares[p] for p in people), default=0.0)

    def saturates(ratio: float) -> bool:
        flow = max_flow.SimpleMaxFlow()
        source, sink, first_person = 0, 1, 2
        first_demand = first_person + len(people)
        for i, p in enumerate(people):
            cap = int(ratio * inputs.shares[p] + 1e-9) - inputs.history[p]
            room = _largest_reachable(reachable[i], cap)
            if room < 0:
                return False
            flow.add_arc_with_capacity(first_person + i, sink, room)
        for j, (pts, who) in enumerate(demand):
            flow.add_arc_with_capacity(source, first_demand + j, pts)
            for i in who:
                flow.add_arc_with_capacity(first_demand + j, first_person + i, pts)
        flow.solve(source, sink)
        return flow.optimal_flow() == total

    low, high = 0.0, 1.0
    while not saturates(high):
        low, high = high, high * 2
        if high > 1e6:
            return None
    while high - low > tolerance:
        middle = (low + high) / 2
        low, high = (low, middle) if saturates(middle) else (middle, high)
    return low
