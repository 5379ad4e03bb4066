"""What a solve may spend and how it reports progress; free of OR-Tools so callers stay light."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """A snapshot of a running solve.

    `phase` names the objective being worked on ("max load ratio", ...); `best` is the best max
    load ratio found so far (None before the first plan), `bound` the proven lower bound on it,
    `seconds` the wall-clock time since the solve started.
    """

    phase: str
    best: float | None
    bound: float
    seconds: float


@dataclass(frozen=True)
class SolveOptions:
    """How to solve: `time_limit` in seconds (a cap on the whole solve), CP-SAT's
    `num_workers` and `seed`, and an optional `progress` callback taking a `Progress`."""

    time_limit: float = 60.0
    num_workers: int = 8
    seed: int = 1
    progress: Callable[[Progress], None] | None = None
