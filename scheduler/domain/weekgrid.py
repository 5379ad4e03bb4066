"""A plan as a compact week grid (rows: team and role; columns: horizon weeks), with the cells
that differ from another plan marked: the draft beside the live plan (docs/web.md#the-draft-page).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from scheduler.domain.model import Assignment, Org, Problem, Role
from scheduler.domain.shifts import week_index


@dataclass(frozen=True)
class Entry:
    """One holder in a cell: `name` (short) in the plan, `was` the other plan's holder when it
    differs (None when unchanged; 'nobody' when the other plan had nobody)."""

    name: str
    was: str | None = None


@dataclass(frozen=True)
class Cell:
    """The holders of a row's shifts that start in one week, in time order."""

    entries: tuple[Entry, ...] = ()

    @property
    def changed(self) -> bool:
        """Tell whether any holder differs from the other plan."""
        return any(e.was is not None for e in self.entries)


@dataclass(frozen=True)
class Row:
    """A team's role across the horizon: `team` id and name, `role`, one cell per week."""

    team: str
    team_name: str
    role: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Grid:
    """The weeks (their first days) and the rows, teams in org order, roles in rotation order."""

    weeks: tuple[date, ...]
    rows: tuple[Row, ...]

    @property
    def changed_cells(self) -> int:
        """Count the cells with a changed holder."""
        return sum(c.changed for r in self.rows for c in r.cells)


def short_names(org: Org, extra: Iterable[str] = ()) -> dict[str, str]:
    """Map person ids to short names: the first name, or the full name when two people share
    it; ids in `extra` the org no longer has keep their id."""
    first = {p.id: p.name.split()[0] if p.name.split() else p.id for p in org.people}
    counts: dict[str, int] = {}
    for short in first.values():
        counts[short] = counts.get(short, 0) + 1
    names = {
        pid: short if counts[short] == 1 else org.person(pid).name for pid, short in first.items()
    }
    return names | {pid: pid for pid in extra if pid not in names}


def week_grid(
    problem: Problem, plan: Iterable[Assignment], other: Iterable[Assignment] = ()
) -> Grid:
    """Lay out `plan` by team, role and horizon week; mark where it differs from `other` (the
    live plan: same shift and role, another holder). Shadows get a row only where they occur.
    """
    mine, theirs = list(plan), {(a.shift, a.role): a.person for a in other}
    names = short_names(problem.org, {a.person for a in mine} | set(theirs.values()))
    weeks = tuple(problem.horizon.start + timedelta(weeks=w) for w in range(problem.horizon.weeks))
    cells: dict[tuple[str, str], list[list[Entry]]] = {}
    for a in sorted(mine, key=lambda a: (a.shift.start, a.shift.team, a.role)):
        if a.shift.team not in problem.org.teams_by_id:
            continue
        week = week_index(problem, a.shift)
        was = None
        if theirs and theirs.get((a.shift, a.role)) != a.person:
            old = theirs.get((a.shift, a.role))
            was = names.get(old, old) if old else "nobody"
        row = cells.setdefault((a.shift.team, a.role), [[] for _ in weeks])
        row[week].append(Entry(names[a.person], was))
    rows = []
    for team in problem.org.teams:
        for role in (*team.rotation.roles, Role.SHADOW):
            found = cells.get((team.id, role))
            if found is None and role == Role.SHADOW:
                continue
            found = found or [[] for _ in weeks]
            rows.append(Row(team.id, team.name, role, tuple(Cell(tuple(c)) for c in found)))
    return Grid(weeks, tuple(rows))
