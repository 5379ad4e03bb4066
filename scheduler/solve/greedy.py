"""A greedy fair plan, as the first hint of a large group's search (no CP-SAT in it).

Shifts are dealt in time order; each role goes to the person whose load ratio after taking it
would be the smallest, among those free of overlap and rest conflicts with what they already
hold. It ignores the roster and training rules, so it may break them: CP-SAT treats a hint as
a place to start, not a constraint. Measured on a connected org of 1,200 people, its plan
starts phase 1 far closer to the bound than CP-SAT's first single-worker solutions.
"""

from __future__ import annotations

from scheduler.domain.eligibility import too_close
from scheduler.solve.formulation import Key, RotaModel, compared

RECENT = 4  # a person's latest assignments checked for rest (shifts are dealt in time order)


def greedy_plan(rm: RotaModel) -> dict[Key, int]:
    """Return a plan (1 for each assignment taken) dealing every role by the least ratio."""
    org = rm.problem.org
    shares = rm.inputs.shares
    people = set(compared(rm))
    load = {p: rm.inputs.history.get(p, 0) for p in rm.by_person}
    held: dict[str, list[int]] = {p: [] for p in rm.by_person}
    values: dict[Key, int] = {}
    order = sorted(range(len(rm.shifts)), key=lambda i: (rm.shifts[i].start, rm.shifts[i].team))
    for i in order:
        shift = rm.shifts[i]
        for role in rm.problem.roles_of(shift):
            takers = rm.by_slot.get((i, role), {})

            def after(p: str, i=i, role=role) -> float:
                pts = load[p] + rm.points[(i, role, p)]
                return pts / shares[p] if p in people else 0.0

            free = [
                p
                for p in takers
                if not any(too_close(org, rm.shifts[j], shift) for j in held[p][-RECENT:])
            ]
            choices = sorted(free or takers, key=lambda p: (after(p), p))
            if not choices:
                continue
            chosen = choices[0]
            values[(i, role, chosen)] = 1
            load[chosen] += rm.points[(i, role, chosen)]
            held[chosen].append(i)
    return values
