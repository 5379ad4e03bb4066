"""What a solve may spend and how it reports progress; free of OR-Tools so callers stay light."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

RATIO, SPREAD = "max load ratio", "spread"  # the objectives a Progress can be about


@dataclass(frozen=True)
class Progress:
    """A snapshot of a running solve, about one group of rotations that share people.

    `phase` names the objective being worked on (`RATIO` or `SPREAD`); `best` is the group's
    best value of it so far (None before the first plan), `bound` the proven lower bound on it;
    `group` counts from 1 to `groups`, `teams` names the group's rotations; `seconds` is the
    wall-clock time since this group's stage (ratio or spread) started. The org's max load
    ratio is the largest of the groups' (`org_best`: of those before this one), so a group with
    a higher ratio raises it: `describe` names the group, which says why.
    """

    phase: str
    best: float | None
    bound: float
    seconds: float
    group: int = 1
    groups: int = 1
    teams: tuple[str, ...] = ()
    org_best: float | None = None  # the org's max load ratio from the groups before this one

    def describe(self) -> str:
        """Return one line, e.g. "group 3 of 12 (payments, ledger, …): ratio 1.21, bound 1.19"."""
        if self.phase == SPREAD:
            figures = f"spread {_figure(self.best, '.1f')}, bound {self.bound:.1f}"
        elif self.best is not None and self.org_best and self.best <= self.org_best:
            # Lower gains nothing: the org's ratio is the largest of its groups'.
            figures = f"ratio {self.best:.4f}, within the org's {self.org_best:.4f} so far"
        else:
            figures = f"ratio {_figure(self.best, '.4f')}, bound {self.bound:.4f}"
        if self.groups == 1:
            return figures
        names = ", ".join(self.teams[:3]) + (", …" if len(self.teams) > 3 else "")
        return f"group {self.group} of {self.groups} ({names}): {figures}"


def _figure(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


class Interrupt:
    """A request to stop a solve early, e.g. from a Ctrl-C handler (docs/cli.md#interrupting).

    `request()` may be called from a signal handler or another thread: it sets `requested`
    and stops the search under way at once. Every later search of that solve returns at
    once too, so the solve ends with the best plan found so far (checked by the rulebook like
    any other) or, when it had none yet, as not found within the time.
    """

    def __init__(self) -> None:
        self.requested = False
        self.aborted = False
        self._stops: list[Callable[[], None]] = []

    def request(self) -> None:
        """Ask the solve to stop: the running search stops, later ones return at once."""
        self.requested = True
        for stop in list(self._stops):
            stop()

    def abort(self) -> bool:
        """Ask the solve to give up: stop it, and raise KeyboardInterrupt once the running
        search has returned. Returns False when no search is running (the caller raises then).

        A KeyboardInterrupt raised while CP-SAT runs in its thread could end the process with
        the thread still in C++, which the C++ runtime aborts (SIGABRT).
        """
        self.aborted = True
        running = bool(self._stops)
        self.request()
        return running

    @contextmanager
    def watching(self, stop: Callable[[], None]) -> Iterator[None]:
        """Call `stop` on a request while the block runs (at once if one came already)."""
        self._stops.append(stop)
        try:
            if self.requested:
                stop()
            yield
        finally:
            self._stops.remove(stop)


@dataclass(frozen=True)
class SolveOptions:
    """How to solve.

    `time_limit` (seconds of wall clock) is only a cap: a solve ends as soon as every
    objective is proven or has stopped improving (docs/fairness.md#when-a-solve-ends), within
    a budget of CP-SAT's deterministic time that grows with each group's size, times `effort`.
    The budget does not depend on the machine's load, so the same inputs and options give the
    same plan (docs/cli.md#reproducibility) unless the cap cuts a search short. `num_workers`
    above 1 search in CP-SAT's interleaved mode, deterministic too. `seed` is CP-SAT's random
    seed; `progress` an optional callback taking a `Progress`. `tolerance` (a fraction) is how
    far above the best max load ratio a re-plan may go to change fewer assignments
    (docs/fairness.md#re-planning). `interrupt`, when given, lets the caller stop the solve
    early (`Interrupt.request`); the searches then run in a helper thread so that the caller's
    thread stays free to take a signal. `group_threads` is how many independent groups are
    solved at once (None: a core each, parallel.py; 1: in turn); the plan is the same.
    """

    time_limit: float = 300.0
    num_workers: int = 1
    seed: int = 1
    effort: float = 1.0
    tolerance: float = 0.02
    progress: Callable[[Progress], None] | None = None
    interrupt: Interrupt | None = None
    group_threads: int | None = None
