"""bench/baselines.py deals shifts as the tools it copies do: round-robin never skips anyone,
LinkedIn oncall's scheduler skips the busy and picks whoever waited longest."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

from support.builders import build_small_team_org

from scheduler.domain.model import Leave
from scheduler.domain.shifts import local_midnight, make_problem

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import baselines  # noqa: E402

START = date(2027, 1, 4)


def problem(weeks=6, leave=()):
    return make_problem(build_small_team_org(4, leave=tuple(leave)), START, weeks)


def holders(plan):
    return [a.person for a in sorted(plan.assignments, key=lambda a: a.shift.start)]


def week_off(person, week):
    first = START + timedelta(weeks=week)
    return Leave(person, local_midnight(first, "UTC"), local_midnight(first + timedelta(7), "UTC"))


def test_round_robin_goes_down_the_list_whoever_is_on_leave():
    on_leave = problem(leave=[week_off("p1", 1)])
    plan = baselines.round_robin(on_leave)
    assert holders(plan) == ["p0", "p1", "p2", "p3", "p0", "p1"]
    judged = baselines.judge("t", "round-robin", on_leave, plan)
    assert judged.violations == {"leave": 1} and judged.clashes == 1


def test_linkedin_skips_the_busy_and_picks_who_waited_longest():
    on_leave = problem(leave=[week_off("p1", 1)])
    plan = baselines.linkedin_oncall(on_leave)
    # New members first in roster order (p1 is away in week 1), then the longest wait.
    assert holders(plan) == ["p0", "p2", "p1", "p3", "p0", "p2"]
    judged = baselines.judge("t", "linkedin", on_leave, plan)
    assert judged.violations == {} and judged.clashes == 0


def test_rota_beside_them_breaks_nothing_and_is_at_least_as_fair():
    on_leave = problem(leave=[week_off("p1", 1)])
    judged = {j.tool: j for j in baselines.compare("t", on_leave, time_limit=10)}
    assert judged["rota"].violations == {}
    assert judged["rota"].max_load_ratio <= judged["linkedin"].max_load_ratio + 1e-9
    assert "rota" in baselines.table(list(judged.values()))
