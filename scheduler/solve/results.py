"""What the stages of a solve hand each other (phases.py): plain data, so that another
process, or a job on another machine, may run any stage (docs/fairness.md#stages)."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.solve.formulation import Key


@dataclass(frozen=True)
class Prepared:
    """What every stage of one solve shares: the groups in solving order and the constants.

    `order[n]` is the index in `independent_groups(problem)` of the n-th group solved (smaller
    first); `teams[n]` its team ids, `sizes[n]` its decision variables; `pins[n]` the shadow
    points pinned in it (None: it has no shadow points to pin). `shadow_points` is their sum,
    `flow_bound` the max-flow lower bound on the max load ratio (None when there is none) and
    `floor` the same in the model's integer units. `infeasible` says a group has no plan at all.
    """

    order: tuple[int, ...]
    teams: tuple[tuple[str, ...], ...]
    sizes: tuple[int, ...]
    pins: tuple[int | None, ...]
    shadow_points: int
    flow_bound: float | None
    floor: int
    infeasible: bool = False

    @property
    def groups(self) -> int:
        """Return how many groups the solve has."""
        return len(self.order)

    def part(self, n: int) -> float:
        """Return group n's part (0 to 1) of all the decision variables."""
        return self.sizes[n] / max(1, sum(self.sizes))


@dataclass(frozen=True)
class RatioResult:
    """Phase 1 of one group: its plan (`values`, the decision variables set) and ratio.

    `best` and `bound` are scaled by `RATIO_SCALE`; `infeasible` says the group has no plan.
    """

    values: dict[Key, int]
    best: int
    bound: int
    infeasible: bool = False
    capped: bool = False


@dataclass(frozen=True)
class SpreadOutcome:
    """Phases 2 and 3 of one group: its final plan, the spread (squared points) and proofs."""

    values: dict[Key, int]
    ratio: int  # the group's max load ratio, scaled by RATIO_SCALE
    spread: float
    spread_bound: float
    spread_proven: bool
    wishes_proven: bool
    capped: bool = False
