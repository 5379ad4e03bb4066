"""Solve independent groups side by side, one thread each, with the same plans as in turn.

A group's stages depend on nothing another group does (phases.py), and CP-SAT releases the
interpreter while it searches, so groups solved in threads use every core: on a 2-core
machine, `data/acme.yaml`'s three groups spend their phase-2 searches side by side. Every
search spends its own deterministic budget, so the plan is the one the groups would give
solved in turn (docs/fairness.md#stages).

Progress stays in group order: the caller's callback runs in the caller's thread, shows the
lowest group still running live, and each later group's latest snapshot once the groups
before it are done, so the terminal still reads one line per group.
"""

from __future__ import annotations

import os
import queue
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import TypeVar

from scheduler.solve.options import Interrupt, Progress, SolveOptions

T = TypeVar("T")
WAIT = 0.1  # seconds between looks at the queue: the caller's thread stays free for signals


def cores() -> int:
    """Return how many cores this process may run on (its CPU affinity, else the count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not every platform has affinity
        return os.cpu_count() or 1


def threads_for(options: SolveOptions, groups: int) -> int:
    """Return how many groups to solve at once: a core each, fewer when searches use several.

    `options.group_threads` overrides it (1: in turn).
    """
    if options.group_threads is not None:
        return max(1, min(groups, options.group_threads))
    return max(1, min(groups, cores() // max(1, options.num_workers)))


class Outcome:
    """What one group's task gave: its value, or the exception it raised."""

    def __init__(self, future: Future) -> None:
        self.error = future.exception()
        self.value = None if self.error is not None else future.result()


def run_groups(
    tasks: Sequence[Callable[[SolveOptions], T]],
    options: SolveOptions,
    sizes: Sequence[int],
    threads: int,
    decorate: Callable[[int, Progress, list[Outcome]], Progress] | None = None,
) -> list[Outcome]:
    """Run `tasks[n](options_n)` for every group n, `threads` at a time; return their outcomes.

    `options_n` is `options` with a progress callback that relays group n's snapshots to
    `options.progress` in group order; `decorate(n, progress, before)` may amend a snapshot as
    it is shown, `before` being the outcomes of the groups before n (all done by then). Larger
    groups (`sizes`) start first, so the last to finish is not a large one started late.
    Outcomes are in group order; an exception raised by a task is in its outcome, not raised.
    With one thread, or one group, the tasks run in turn in this thread.

    A KeyboardInterrupt (or other exception) raised in this thread while groups run stops
    their searches (`options.interrupt`, when given) and waits for them before it propagates:
    a process must not end while CP-SAT still runs in another thread.
    """
    outcomes: list[Outcome] = []
    if threads <= 1 or len(tasks) <= 1:
        for n, task in enumerate(tasks):
            show = _shown(options.progress, decorate, n, outcomes)
            outcomes.append(_in_turn(task, replace(options, progress=show) if show else options))
        return outcomes
    events: queue.Queue = queue.Queue()
    relay = _Relay(options.progress, decorate, len(tasks))

    def options_for(n: int) -> SolveOptions:
        if options.progress is None:
            return options
        return replace(options, progress=lambda progress: events.put((n, progress)))

    order = sorted(range(len(tasks)), key=lambda n: (-sizes[n], n))
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="rota-group") as pool:
        futures: dict[int, Future] = {}
        for n in order:
            futures[n] = pool.submit(tasks[n], options_for(n))
            futures[n].add_done_callback(lambda _, n=n: events.put((n, None)))
        try:
            left = len(tasks)
            while left:
                try:
                    n, progress = events.get(timeout=WAIT)
                except queue.Empty:
                    continue
                if progress is None:
                    left -= 1
                    relay.done(n, Outcome(futures[n]))
                else:
                    relay.show(n, progress)
        except BaseException:
            _stop(options.interrupt, futures.values())
            raise
    return [Outcome(futures[n]) for n in range(len(tasks))]


def _shown(show, decorate, n: int, before: list[Outcome]):
    """Return group n's progress callback when run in turn (None: the options' own)."""
    if show is None or decorate is None:
        return None
    return lambda progress: show(decorate(n, progress, before))


def _in_turn(task: Callable[[SolveOptions], T], options: SolveOptions) -> Outcome:
    future: Future = Future()
    try:
        future.set_result(task(options))
    except Exception as err:  # noqa: BLE001 - handed back in the outcome, as from a thread
        future.set_exception(err)
    return Outcome(future)


def _stop(interrupt: Interrupt | None, futures) -> None:
    """Stop the groups' searches and wait until every thread has returned."""
    if interrupt is not None:
        interrupt.request()
    for future in futures:
        while True:
            try:
                future.exception()  # waits; the task's own error is not ours to raise
                break
            except BaseException:  # another Ctrl-C while waiting: stop again, keep waiting
                if interrupt is not None:
                    interrupt.request()


class _Relay:
    """Shows groups' progress in group order: the lowest group not done live, others later."""

    def __init__(
        self,
        show: Callable[[Progress], None] | None,
        decorate: Callable[[int, Progress], Progress] | None,
        groups: int,
    ) -> None:
        self._show = show
        self._decorate = decorate
        self._head = 0  # the lowest group not done: the one shown live
        self._latest: dict[int, Progress] = {}
        self._done = [False] * groups
        self.outcomes: dict[int, Outcome] = {}

    def show(self, n: int, progress: Progress) -> None:
        """Show group n's snapshot now if it is the head, else keep it as n's latest."""
        if n == self._head:
            self._emit(n, progress)
        else:
            self._latest[n] = progress

    def done(self, n: int, outcome: Outcome) -> None:
        """Note group n done; past the head, show each next group's latest snapshot."""
        self._done[n] = True
        self.outcomes[n] = outcome
        while self._head < len(self._done) and self._done[self._head]:
            self._head += 1
            # The new head's latest snapshot: live from here on, or, already done, its last.
            if self._head < len(self._done) and self._head in self._latest:
                self._emit(self._head, self._latest.pop(self._head))

    def _emit(self, n: int, progress: Progress) -> None:
        if self._show is not None:
            if self._decorate is not None:
                progress = self._decorate(n, progress, [self.outcomes[m] for m in range(n)])
            self._show(progress)
