"""The neighbourhood search of phase 1 (solve/lns.py): it lowers the ratio, keeps every hard
rule, and gives the same plan twice. Small problems, one worker, fixed seeds."""

from __future__ import annotations

import random
import time as clock
from datetime import date, timedelta

import pytest
from ortools.sat.python import cp_model
from support.builders import build_small_team_org

from scheduler.domain.model import Leave
from scheduler.domain.shifts import local_midnight, make_problem
from scheduler.solve import lns
from scheduler.solve.formulation import add_max_ratio, scaled_ratio_of
from scheduler.solve.options import SolveOptions
from scheduler.solve.phase1 import LNS_FROM, scaled_ratio, values_of
from scheduler.solve.phases import prepare
from scheduler.solve.search import Budget

START = date(2027, 2, 1)


def daily_problem():
    """Ten people on a daily rotation for eight weeks, 2-day rest, two weeks of leave."""
    leave = tuple(
        Leave(
            p,
            local_midnight(START + timedelta(days=d), "UTC"),
            local_midnight(START + timedelta(days=d + 7), "UTC"),
        )
        for p, d in (("p1", 7), ("p4", 21))
    )
    org = build_small_team_org(
        10,
        fte={"p9": 0.5},
        team_fields=dict(shift="daily", min_rest=timedelta(days=2)),
        leave=leave,
    )
    return make_problem(org, START, 8)


def first_plan(problem):
    """Return the group model, its ratio variable and any plan of it (no objective)."""
    budget = Budget(clock.monotonic() + 60)
    _, models = prepare(problem, SolveOptions(), budget)
    rm = models[0]
    z = add_max_ratio(rm)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 1
    # The worst plan it can find quickly: maximise one person's load.
    rm.model.maximize(rm.planned("p0"))
    solver.parameters.max_deterministic_time = 1.0
    assert solver.solve(rm.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    rm.model.clear_objective()
    return rm, z, values_of(rm, solver)


def descend(rm, z, values, work: float, seen: list | None = None):
    """Run the neighbourhood search from `values` with `work` deterministic seconds."""
    return lns.descend(
        rm,
        z,
        values,
        scaled_ratio(rm, values),
        0,
        SolveOptions(),
        Budget(clock.monotonic() + 60),
        work,
        lambda plan: scaled_ratio(rm, plan),
        lambda plan, ratio: seen.append(ratio) if seen is not None else None,
    )


def test_allowed_points_are_the_most_a_target_ratio_lets_each_person_hold() -> None:
    rm, _, values = first_plan(daily_problem())
    target = scaled_ratio(rm, values) - 7
    for person, room in lns.allowed_points(rm, target).items():
        history = rm.inputs.history[person]
        assert scaled_ratio_of(rm, person, history + room) <= target
        assert scaled_ratio_of(rm, person, history + room + 1) > target


def test_descend_lowers_the_ratio_of_an_unfair_plan_and_keeps_every_rule() -> None:
    problem = daily_problem()
    rm, z, values = first_plan(problem)
    assert len(rm.x) >= LNS_FROM  # a group the solver hands to the neighbourhood search
    start = scaled_ratio(rm, values)
    seen = []
    found, best, left = descend(rm, z, values, 3.0, seen)
    assert best < start
    assert best == scaled_ratio(rm, found)
    assert seen == sorted(seen, reverse=True) and seen[-1] == best
    assert 0.0 <= left <= 3.0
    # The plan is one of the model's: fixing every variable to it leaves a feasible model.
    check = rm.model.clone()
    for k, v in rm.x.items():
        domain = check.proto.variables[v.index].domain
        domain[0] = domain[1] = found.get(k, 0)
    assert cp_model.CpSolver().solve(check) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


def test_the_search_gives_the_same_plan_twice() -> None:
    def search():
        rm, z, values = first_plan(daily_problem())
        found, best, _ = descend(rm, z, values, 0.8)
        return best, sorted(k for k, v in found.items() if v)

    assert search() == search()


@pytest.mark.parametrize("step", [0, 1])
def test_a_neighbourhood_frees_a_window_of_weeks_or_whole_people(step) -> None:
    rm, _, values = first_plan(daily_problem())
    weeks = lns._weeks(rm)
    allowed = lns.allowed_points(rm, scaled_ratio(rm, values) - 1)
    over = lns.above(lns.excesses(rm, values, allowed))
    assert over  # the people at the plan's max exceed a ratio one step below it
    free = lns._neighbourhood(rm, random.Random(1), step, weeks, over, 150)
    assert 0 < len(free) < len(rm.x)
    if step == 0:
        chosen = sorted({weeks[i] for i, _, _ in free})
        assert chosen == list(range(chosen[0], chosen[-1] + 1))
        assert free == {k for k in rm.x if weeks[k[0]] in chosen}
    else:
        people = {p for _, _, p in free}
        assert free == {k for k in rm.x if k[2] in people}
        assert set(over) <= people


def test_a_stage_ranks_any_lower_ratio_above_any_excess() -> None:
    # A neighbourhood that can lower the max load ratio outright must prefer that to the least
    # excess at the target: the ratio's weight exceeds the largest excess the stage allows.
    rm, z, values = first_plan(daily_problem())
    best = scaled_ratio(rm, values)
    stage = lns._stage(rm, z, best, 0)
    objective = stage.model.proto.objective
    weights = dict(zip(objective.vars, objective.coeffs, strict=True))
    excess = [i for i in objective.vars if i != z.index]
    assert excess  # people above the target
    most = sum(weights[i] * stage.model.proto.variables[i].domain[-1] for i in excess)
    assert weights[z.index] > most


def test_each_step_searches_without_the_linear_relaxation(monkeypatch) -> None:
    levels = []
    real_run = lns.run

    def run_spy(solver, model, budget, callback=None):
        levels.append(solver.parameters.linearization_level)
        return real_run(solver, model, budget, callback)

    monkeypatch.setattr(lns, "run", run_spy)
    rm, z, values = first_plan(daily_problem())
    descend(rm, z, values, 0.5)
    assert levels and set(levels) == {0}
