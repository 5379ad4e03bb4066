"""Independent groups solved side by side give the plan solved in turn, with progress in order."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

import pytest
from support.builders import FAST
from support.queue import TWO_GROUPS

from scheduler.domain.orgfile import parse_org
from scheduler.domain.shifts import make_problem
from scheduler.solve.options import RATIO, SPREAD, Interrupt, Progress
from scheduler.solve.parallel import run_groups, threads_for
from scheduler.solve.phases import solve


def test_groups_side_by_side_give_the_plan_of_groups_in_turn():
    problem = make_problem(parse_org(TWO_GROUPS, "two.yaml"), date(2027, 1, 4), 4)
    shown: list[Progress] = []
    in_turn = solve(problem, replace(FAST, group_threads=1))
    side_by_side = solve(problem, replace(FAST, group_threads=2, progress=shown.append))

    assert side_by_side.assignments == in_turn.assignments
    assert side_by_side.max_load_ratio == in_turn.max_load_ratio
    assert side_by_side.spread == in_turn.spread
    assert side_by_side.spread_bound == in_turn.spread_bound
    # One line per group and phase, in order: the ratio of groups 1 and 2, then their spread.
    order = [(p.phase, p.group) for p in shown]
    assert sorted(set(order), key=order.index) == [(RATIO, 1), (RATIO, 2), (SPREAD, 1), (SPREAD, 2)]
    assert order == sorted(order, key=lambda k: (k[0] != RATIO, k[1]))


def _progress(group: int, best: float) -> Progress:
    return Progress(RATIO, best, 1.0, 0.0, group + 1, 2)


def test_a_later_group_shows_its_latest_snapshot_once_the_earlier_is_done():
    second_done = threading.Event()
    shown: list[tuple[int, float, list]] = []

    def first(options):
        assert second_done.wait(10)
        options.progress(_progress(0, 1.5))
        return "first"

    def second(options):
        options.progress(_progress(1, 1.4))
        options.progress(_progress(1, 1.3))  # replaces 1.4 before it is shown
        second_done.set()
        return "second"

    def decorate(n, progress, before):
        shown.append((n, progress.best, [o.value for o in before]))
        return progress

    options = replace(FAST, progress=lambda p: None)
    outcomes = run_groups([first, second], options, [1, 1], 2, decorate)

    assert [o.value for o in outcomes] == ["first", "second"]
    assert shown == [(0, 1.5, []), (1, 1.3, ["first"])]


def test_in_turn_the_snapshots_are_decorated_too():
    shown = []

    def task(n):
        def run(options):
            options.progress(_progress(n, 1.0 + n))
            return n

        return run

    def decorate(n, progress, before):
        return replace(progress, org_best=max((o.value for o in before), default=None))

    options = replace(FAST, progress=shown.append)
    run_groups([task(0), task(1)], options, [1, 1], 1, decorate)

    assert [p.org_best for p in shown] == [None, 0]


@pytest.mark.parametrize("threads", [1, 2])
def test_an_error_in_one_group_is_its_outcome_and_the_others_finish(threads):
    def fails(options):
        raise TimeoutError("no plan")

    outcomes = run_groups([fails, lambda options: 7], FAST, [2, 1], threads)

    assert isinstance(outcomes[0].error, TimeoutError) and outcomes[0].value is None
    assert outcomes[1].value == 7 and outcomes[1].error is None


def test_ctrl_c_in_the_callers_thread_stops_the_groups_and_waits_for_them():
    interrupt = Interrupt()
    finished = []

    def searching(options):  # stands for a search that returns once stopped (or in 5 s)
        for _ in range(500):
            if interrupt.requested:
                finished.append(True)
                return
            threading.Event().wait(0.01)

    def shows(progress):
        raise KeyboardInterrupt  # as a signal handler would, in the caller's thread

    def reports(options):
        options.progress(_progress(0, 1.0))
        searching(options)

    options = replace(FAST, progress=shows, interrupt=interrupt)
    with pytest.raises(KeyboardInterrupt):
        run_groups([reports, searching], options, [1, 1], 2)

    assert interrupt.requested and finished == [True, True]


def test_threads_follow_the_cores_and_the_workers_of_each_search():
    assert threads_for(replace(FAST, group_threads=3), 2) == 2
    assert threads_for(replace(FAST, group_threads=1), 5) == 1
    assert threads_for(replace(FAST, num_workers=64), 5) == 1
    assert threads_for(FAST, 1) == 1
