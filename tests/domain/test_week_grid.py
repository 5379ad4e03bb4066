"""The week grid of a plan, with the cells that differ from the live plan marked."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from scheduler.domain.changes import changed, describe
from scheduler.domain.model import Assignment, Plan
from scheduler.domain.shifts import make_problem
from scheduler.domain.weekgrid import short_names, week_grid
from tests.support.builders import build_small_team_org, make_person


def test_cells_hold_short_names_and_mark_what_differs_from_the_live_plan() -> None:
    org = build_small_team_org(["ann", "bob", "cat"], team_fields=dict(roles=("primary",)))
    org = replace(
        org,
        people=(
            make_person("ann", name="Ann Lee"),
            make_person("bob", name="Bob Ray"),
            make_person("cat", name="Ann Cho"),
        ),
    )
    problem = make_problem(org, date(2027, 1, 4), 3)
    shifts = sorted(problem.shifts)
    live = [Assignment(s, "primary", p) for s, p in zip(shifts, ["ann", "bob", "cat"], strict=True)]
    draft = [
        Assignment(s, "primary", p) for s, p in zip(shifts, ["ann", "cat", "bob"], strict=True)
    ]
    assert short_names(org) == {"ann": "Ann Lee", "bob": "Bob", "cat": "Ann Cho"}
    grid = week_grid(problem, draft, live)
    assert grid.weeks == (date(2027, 1, 4), date(2027, 1, 11), date(2027, 1, 18))
    [row] = grid.rows
    assert (row.team, row.role) == ("ops", "primary")
    assert [c.changed for c in row.cells] == [False, True, True]
    assert [(e.name, e.was) for c in row.cells for e in c.entries] == [
        ("Ann Lee", None),
        ("Ann Cho", "Bob"),
        ("Bob", "Ann Cho"),
    ]
    assert grid.changed_cells == 2 and week_grid(problem, draft).changed_cells == 0
    again = replace(problem, previous=tuple(live))
    found = changed(again, Plan(assignments=tuple(draft)))
    assert [describe(again, c, lambda p: org.person(p).name) for c in found] == [
        "week of 2027-01-11, ops primary: Bob Ray -> Ann Cho",
        "week of 2027-01-18, ops primary: Ann Cho -> Bob Ray",
    ]
