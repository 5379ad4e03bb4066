"""What a re-plan changed: every assignment of the previous plan's future it moved, in words."""

from __future__ import annotations

from scheduler.domain.explain import week_label
from scheduler.domain.model import Plan, Problem, Shift, Team


def changes(problem: Problem, plan: Plan) -> list[str]:
    """List the changes `plan` makes to `problem.previous` among shifts not started by `now`.

    One sentence per changed (shift, role), in time order, naming people by id as plan.csv does:
    'week of 2027-02-08, search primary: alice -> dan' ('nobody' where a role is new or gone);
    docs/cli.md#re-planning-a-live-quarter. Empty without a previous plan.
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
    found = []
    for shift, role in sorted(
        before.keys() | after.keys(), key=lambda k: (k[0].start, k[0].team, k[1])
    ):
        old, new = before.get((shift, role)), after.get((shift, role))
        if old != new:
            found.append(change_sentence(problem.org.team(shift.team), shift, role, old, new))
    return found


def change_sentence(team: Team, shift: Shift, role: str, old: str | None, new: str | None) -> str:
    """Word one changed assignment: 'week of 2027-02-08, search primary: alice -> dan'.

    `old` and `new` are person ids, None where the role is new or gone ('nobody');
    docs/cli.md#re-planning-a-live-quarter. Notifications of a published plan use it too.
    """
    when = week_label(team, shift)
    return f"{when}, {shift.team} {role}: {old or 'nobody'} -> {new or 'nobody'}"
