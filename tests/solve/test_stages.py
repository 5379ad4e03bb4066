"""The solve's stages are plain data in and out: run apart, on rebuilt models, they give the
plan the one-process solve gives (what lets the job queue spread groups over machines)."""

from __future__ import annotations

import pickle
import time
from datetime import date

from support.builders import FAST
from support.queue import TWO_GROUPS

from scheduler.domain.orgfile import parse_org
from scheduler.domain.shifts import make_problem
from scheduler.solve.phases import (
    assemble,
    org_ratio_cap,
    prepare,
    ratio_stage,
    solve,
    spread_stage,
)
from scheduler.solve.search import Budget


def test_stages_run_apart_give_the_plan_of_the_embedded_solve():
    problem = make_problem(parse_org(TWO_GROUPS, "two.yaml"), date(2027, 1, 4), 4)
    embedded = solve(problem, FAST)

    def budget() -> Budget:  # each job has a budget of its own
        return Budget(time.monotonic() + FAST.time_limit)

    def shipped(value):  # what a job sends to the next one goes through pickle
        return pickle.loads(pickle.dumps(value))

    prepared = shipped(prepare(problem, FAST, budget())[0])
    assert prepared.groups == 2 and prepared.teams == (("alpha",), ("bravo",))
    ratios = [shipped(ratio_stage(problem, prepared, n, FAST, budget())) for n in (1, 0)][::-1]
    z_cap = org_ratio_cap(problem, ratios, FAST)
    spreads = [
        shipped(spread_stage(problem, prepared, n, ratios[n], z_cap, FAST, budget()))
        for n in (1, 0)
    ][::-1]
    apart = assemble(problem, prepared, ratios, spreads, 0.0)

    assert apart.assignments == embedded.assignments
    assert apart.max_load_ratio == embedded.max_load_ratio
    assert apart.status == embedded.status
    assert len(apart.assignments) == 2 * 2 * 4
