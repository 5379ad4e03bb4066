"""Who may hold which role on which shift, before any choice is made.

Leave, membership, `joined`, follow-the-sun sites and rest after history remove candidates
outright; the solver creates variables only for what is left, and the lower bound and the
explanations read the same facts, so all three agree on what is possible.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.domain.model import Assignment, Org, Person, Problem, Role, Shift
from scheduler.domain.shifts import local_midnight

# A wall-clock gap differs from the real one only by the change of the zone's UTC offset in
# between: an hour for daylight saving, never more than a day.
CLOCK_SLACK = timedelta(days=1)


def rest_needed(org: Org, *team_ids: str) -> timedelta:
    """Return the rest owed between shifts of these teams: the largest `min_rest` among them.

    Teams the org no longer has count as needing none (docs/rules.md#4-rest).
    """
    rests = [org.teams_by_id[t].rotation.min_rest for t in team_ids if t in org.teams_by_id]
    return max(rests, default=timedelta(0))


def rest_between(org: Org, earlier: Shift, later: Shift) -> timedelta:
    """Return the off time from the end of `earlier` to the start of `later`, on the wall clock
    of `earlier`'s team (negative when the later one starts first on that clock).

    Both instants are read as naive local times in that zone, so a week from Monday 10:00 to
    Monday 10:00 is 7 days across a daylight-saving change, and 20:00 to 08:00 is 12 hours
    (docs/rules.md#4-rest). A team the org no longer has reads the other team's clock, else UTC.
    """
    zone = ZoneInfo(_zone_name(org, earlier.team, later.team))
    off = earlier.end.astimezone(zone).replace(tzinfo=None)
    on = later.start.astimezone(zone).replace(tzinfo=None)
    return on - off


def _zone_name(org: Org, *team_ids: str) -> str:
    known = [org.teams_by_id[t].timezone for t in team_ids if t in org.teams_by_id]
    return known[0] if known else "UTC"


def _in_order(a: Shift, b: Shift) -> tuple[Shift, Shift]:
    # By start, then end: of two shifts that do not overlap, the earlier is the one that ends
    # first, whose team's clock measures the rest.
    return (a, b) if (a.start, a.end) <= (b.start, b.end) else (b, a)


def too_close(org: Org, a: Shift, b: Shift) -> bool:
    """Tell whether one person cannot hold both shifts: they overlap, or leave less rest
    between them, on the wall clock of the one that ends first, than the two teams need.
    The one rest predicate (docs/rules.md#4-rest), used by eligibility, the formulation, the
    rulebook and the explanations."""
    earlier, later = _in_order(a, b)
    if earlier.overlaps(later.start, later.end):
        return True
    needed = rest_needed(org, a.team, b.team)
    real = later.start - earlier.end
    if abs(real - needed) > CLOCK_SLACK:
        return real < needed  # the clocks cannot close a gap this wide: skip the zone lookups
    return rest_between(org, earlier, later) < needed


def rest_reach(org: Org) -> timedelta:
    """Return a real-time span past the end of a shift after which no later shift is too close:
    the longest `min_rest` of the org plus `CLOCK_SLACK`, so scans in time order may stop there."""
    longest = max((t.rotation.min_rest for t in org.teams), default=timedelta(0))
    return longest + CLOCK_SLACK


def history_blocks(
    problem: Problem, person: str, shift: Shift, reach: timedelta | None = None
) -> bool:
    """Tell whether past on-call of `person` leaves too little rest before or around `shift`.

    `reach` is `rest_reach(problem.org)`, computed when omitted (pass it in a loop).
    """
    org = problem.org
    reach = rest_reach(org) if reach is None else reach
    return any(
        past.shift.team in org.teams_by_id
        # Past shifts further away than any rest reaches cannot block: skip the zone lookups.
        and past.span.end + reach > shift.start
        and shift.end + reach > past.span.start
        and too_close(org, past.span, shift)
        for past in org.history_of(person)
    )


def joined_at(person: Person) -> datetime | None:
    """Return when a person joins the rotations: local midnight of `joined` (None: always)."""
    return local_midnight(person.joined, person.timezone) if person.joined else None


def unavailability(
    problem: Problem, shift: Shift, person_id: str, reach: timedelta | None = None
) -> str | None:
    """Return why `person_id` cannot take `shift` at all, or None when they can.

    `reach` is `rest_reach(problem.org)`, computed when omitted (pass it in a loop).
    """
    person = problem.org.person(person_id)
    if any(shift.overlaps(lv.start, lv.end) for lv in problem.org.leave_of(person_id)):
        return "leave"
    joined = joined_at(person)
    if joined is not None and shift.start < joined:
        return "joined"
    if shift.site is not None and person.site != shift.site:
        return "site"
    if history_blocks(problem, person_id, shift, reach):
        return "history-rest"
    return None


def may_hold(problem: Problem, person: Person, role: str) -> bool:
    """Tell whether someone may ever hold `role` this horizon.

    Shadows are for trainees; a trainee who owes secondaries before a first primary can never
    hold a primary when none of their rotations has a secondary role.
    """
    if role == "shadow":
        return person.is_trainee
    if role == Role.PRIMARY and person.trainee and person.trainee.secondaries:
        return any(Role.SECONDARY in t.rotation.roles for t in problem.org.teams_of(person.id))
    return True


def candidates(problem: Problem) -> dict[tuple[Shift, str], list[str]]:
    """Map each (shift, role) to the members who could take it, shadows included."""
    org = problem.org
    reach = rest_reach(org)
    result: dict[tuple[Shift, str], list[str]] = {}
    for shift in problem.shifts:
        team = org.team(shift.team)
        free = [m for m in team.members if unavailability(problem, shift, m, reach) is None]
        for role in (*team.rotation.roles, Role.SHADOW):
            result[(shift, role)] = [m for m in free if may_hold(problem, org.person(m), role)]
    return result


def fixed_past(problem: Problem) -> list[Assignment]:
    """Return previous-plan assignments that have started by `now` and so never change."""
    if problem.now is None:
        return []
    return [a for a in problem.previous if a.shift.start < problem.now]
