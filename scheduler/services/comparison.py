"""A draft beside the live plan: what publishing it changes, in sentences and as a week grid
(docs/web.md#the-draft-page)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from scheduler.domain.changes import changed, describe
from scheduler.domain.weekgrid import Grid, week_grid
from scheduler.store import PlanRow, assignment_from_row, problem_for_plan


@dataclass(frozen=True)
class Comparison:
    """What publishing `plan` over `live` would change: one sentence per changed assignment
    (people by name), the names of the people affected (sorted), the teams whose assignments
    change (ids), and the week grid of the plan with changed cells marked."""

    sentences: list[str]
    affected: list[str]
    teams: list[str]
    grid: Grid


def compare(session: Session, plan: PlanRow, live: PlanRow | None) -> Comparison:
    """Compare a stored plan with the live plan of the same horizon (swaps included), every
    shift of it; with no live plan (or one of another start) nothing changes and the grid
    shows the plan alone. A swap accepted after the draft was made shows as a change."""
    problem, drafted = problem_for_plan(session, plan)
    if live is None or live.start != plan.start or live.id == plan.id:
        return Comparison([], [], [], week_grid(problem, drafted.assignments))
    previous = tuple(sorted(assignment_from_row(a) for a in live.assignments))
    found = changed(replace(problem, previous=previous, now=None), drafted)
    org = problem.org

    def name(person: str) -> str:
        known = org.people_by_id.get(person)
        return known.name if known else person

    ids = {p for c in found for p in (c.old, c.new) if p}
    return Comparison(
        sentences=[describe(problem, c, name) for c in found],
        affected=sorted(name(p) for p in ids),
        teams=sorted({c.shift.team for c in found}),
        grid=week_grid(problem, drafted.assignments, previous),
    )
