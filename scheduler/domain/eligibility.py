"""Who may hold which role on which shift, before any choice is made.

Leave, membership, `joined`, follow-the-sun sites and rest after history remove candidates
outright; the solver creates variables only for what is left, and the lower bound and the
explanations read the same facts, so all three agree on what is possible.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from scheduler.domain.model import Assignment, Org, Person, Problem, Shift
from scheduler.domain.shifts import local_midnight


def rest_needed(org: Org, *team_ids: str) -> timedelta:
    """Return the rest owed between shifts of these teams: the largest `min_rest` among them.

    Teams the org no longer has count as needing none (docs/rules.md#4-rest).
    """
    rests = [org.teams_by_id[t].rotation.min_rest for t in team_ids if t in org.teams_by_id]
    return max(rests, default=timedelta(0))


def rest_between(earlier: Shift, later: Shift) -> timedelta:
    """Return the time off between the end of `earlier` and the start of `later` (negative
    when they overlap)."""
    return later.start - earlier.end


def too_close(org: Org, a: Shift, b: Shift) -> bool:
    """Tell whether one person cannot hold both shifts: they overlap, or leave less rest
    between them than the two teams need. The one rest predicate (docs/rules.md#4-rest),
    used by eligibility, the formulation and the rulebook."""
    earlier, later = (a, b) if (a.start, a.end) <= (b.start, b.end) else (b, a)
    if earlier.overlaps(later.start, later.end):
        return True
    return rest_between(earlier, later) < rest_needed(org, a.team, b.team)


def history_blocks(problem: Problem, person: str, shift: Shift) -> bool:
    """Tell whether past on-call of `person` leaves too little rest before or around `shift`."""
    org = problem.org
    return any(
        past.shift.team in org.teams_by_id and too_close(org, past.shift, shift)
        for past in org.history_of(person)
    )


def joined_at(person: Person) -> datetime | None:
    """Return when a person joins the rotations: local midnight of `joined` (None: always)."""
    return local_midnight(person.joined, person.timezone) if person.joined else None


def unavailability(problem: Problem, shift: Shift, person_id: str) -> str | None:
    """Return why `person_id` cannot take `shift` at all, or None when they can."""
    person = problem.org.person(person_id)
    if any(shift.overlaps(lv.start, lv.end) for lv in problem.org.leave_of(person_id)):
        return "leave"
    joined = joined_at(person)
    if joined is not None and shift.start < joined:
        return "joined"
    if shift.site is not None and person.site != shift.site:
        return "site"
    if history_blocks(problem, person_id, shift):
        return "history-rest"
    return None


def may_hold(problem: Problem, person: Person, role: str) -> bool:
    """Tell whether someone may ever hold `role` this horizon.

    Shadows are for trainees; a trainee who owes secondaries before a first primary can never
    hold a primary when none of their rotations has a secondary role.
    """
    if role == "shadow":
        return person.is_trainee
    if role == "primary" and person.trainee and person.trainee.secondaries:
        return any("secondary" in t.rotation.roles for t in problem.org.teams_of(person.id))
    return True


def candidates(problem: Problem) -> dict[tuple[Shift, str], list[str]]:
    """Map each (shift, role) to the members who could take it, shadows included."""
    org = problem.org
    result: dict[tuple[Shift, str], list[str]] = {}
    for shift in problem.shifts:
        team = org.team(shift.team)
        free = [m for m in team.members if unavailability(problem, shift, m) is None]
        for role in (*team.rotation.roles, "shadow"):
            result[(shift, role)] = [m for m in free if may_hold(problem, org.person(m), role)]
    return result


def fixed_past(problem: Problem) -> list[Assignment]:
    """Return previous-plan assignments that have started by `now` and so never change."""
    if problem.now is None:
        return []
    return [a for a in problem.previous if a.shift.start < problem.now]
