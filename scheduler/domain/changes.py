"""What a re-plan changed: every assignment of the previous plan's future it moved, in words."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scheduler.domain.explain import week_label
from scheduler.domain.model import Plan, Problem, Shift, Team


@dataclass(frozen=True)
class Change:
    """One (shift, role) whose holder differs: `old` in the previous plan, `new` in the plan
    (person ids; None where the role is new or gone)."""

    shift: Shift
    role: str
    old: str | None
    new: str | None


def changed(problem: Problem, plan: Plan) -> list[Change]:
    """Return the changes `plan` makes to `problem.previous` among shifts not started by `now`
    (all shifts when `now` is None), in time order; empty without a previous plan.

    Shifts only the plan has (outside the previous plan's horizon) are not changes.
    """
    if not problem.previous:
        return []
    started = problem.now

    def future(shift) -> bool:
        return started is None or shift.start >= started

    before = {(a.shift, a.role): a.person for a in problem.previous if future(a.shift)}
    known = {a.shift for a in problem.previous}
    after = {
        (a.shift, a.role): a.person
        for a in plan.assignments
        if future(a.shift) and a.shift in known
    }
    keys = sorted(before.keys() | after.keys(), key=lambda k: (k[0].start, k[0].team, k[1]))
    return [
        Change(shift, role, before.get((shift, role)), after.get((shift, role)))
        for shift, role in keys
        if before.get((shift, role)) != after.get((shift, role))
    ]


def describe(problem: Problem, change: Change, name: Callable[[str], str] = str) -> str:
    """Say one change: 'week of 2027-02-08, search primary: alice -> dan', people named by
    `name` (ids by default; 'nobody' where a role is new or gone)."""
    team = problem.org.teams_by_id.get(change.shift.team)
    old = name(change.old) if change.old else None
    new = name(change.new) if change.new else None
    return change_sentence(team, change.shift, change.role, old, new)


def change_sentence(
    team: Team | None, shift: Shift, role: str, old: str | None, new: str | None
) -> str:
    """Word one changed assignment: 'week of 2027-02-08, search primary: alice -> dan'.

    `old` and `new` name the people (None where the role is new or gone: 'nobody'); the week
    is the team's (UTC without a team); docs/cli.md#re-planning-a-live-quarter. Notifications
    of a published plan use it too.
    """
    when = week_label(team, shift) if team else f"{shift.start:%Y-%m-%d %H:%M} UTC"
    return f"{when}, {shift.team} {role}: {old or 'nobody'} -> {new or 'nobody'}"


def changes(problem: Problem, plan: Plan) -> list[str]:
    """List the changes `plan` makes to `problem.previous` among shifts not started by `now`.

    One sentence per changed (shift, role), in time order, naming people by id as plan.csv does:
    'week of 2027-02-08, search primary: alice -> dan' ('nobody' where a role is new or gone);
    docs/cli.md#re-planning-a-live-quarter. Empty without a previous plan.
    """
    return [describe(problem, c) for c in changed(problem, plan)]
