"""Why no plan exists, in sentences a manager can act on (docs/rules.md#when-no-plan-exists).

Obvious causes are found by counting before any solving (too small a roster, a shift nobody can
take, a trainee nobody can train); the rest come from an infeasible core of rule groups that
the solver names (`scheduler.solve.core`), each turned into a sentence with the team, the dates,
the rule and the people by one describer per rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from scheduler.domain.eligibility import rest_reach, too_close, unavailability
from scheduler.domain.model import Org, Problem, Shift, Team
from scheduler.domain.shifts import week_index
from scheduler.domain.text import duration, is_are, local_clock, names, plural

REASONS = {
    "leave": "on leave",
    "joined": "not yet joined",
    "site": "at another site",
    "history-rest": "resting after their last shift",
}


@dataclass(frozen=True)
class RuleGroup:
    """The constraints of one rule in one place, switched on and off together when explaining.

    `rule` is one of GROUP_RULES; `teams` the teams it binds (one, or several for overlap and
    rest across rotations); `week` the horizon week (coverage); `person` the trainee (training).
    """

    rule: str
    teams: tuple[str, ...] = ()
    week: int | None = None
    person: str | None = None

    def sort_key(self) -> tuple:
        """Order groups by rule, teams, week and person (None first)."""
        return (self.rule, self.teams, -1 if self.week is None else self.week, self.person or "")


def precheck(problem: Problem) -> list[str]:
    """Find the causes that counting alone reveals."""
    found: list[str] = []
    for team in problem.org.teams:
        found += roster_too_small(problem.org, team)
        found += uncoverable_shifts(problem, team)
        found += rest_capacity(problem, team)
    found += trainees_without_path(problem)
    return found or on_call_at_once(problem)


def week_label(team: Team, shift: Shift) -> str:
    """Name a shift for a sentence: 'week of 2027-02-08' for weekly rotations, else its start."""
    if team.rotation.shift == "weekly" and not team.rotation.slots:
        return f"week of {shift.start.astimezone(ZoneInfo(team.timezone)):%Y-%m-%d}"
    return local_clock(shift.start, team.timezone)


def roster_too_small(org: Org, team: Team) -> list[str]:
    """Say when a team has fewer trained members than its `min_roster`."""
    trained = [m for m in team.members if not org.person(m).is_trainee]
    need = team.rotation.min_roster
    if len(trained) >= need:
        return []
    return [
        f"{team.id}: roster rule needs at least {plural(need, 'trained member')}; "
        f"has {len(trained)} ({names(org, trained)})"
        + (
            f", plus {plural(len(team.members) - len(trained), 'trainee')}"
            if len(trained) < len(team.members)
            else ""
        )
    ]


def uncoverable_shifts(problem: Problem, team: Team) -> list[str]:
    """Name shifts where fewer members can work than the shift needs; a team with fewer
    members than roles gets one sentence for the whole horizon instead."""
    reach = rest_reach(problem.org)
    org = problem.org
    found = []
    needed = len(team.rotation.roles)
    if len(team.members) < needed:
        roles = ", ".join(team.rotation.roles)
        return [
            f"{team.id}: needs {needed} on call at once ({roles}) but has only "
            f"{plural(len(team.members), 'member')} ({names(org, list(team.members))}); "
            f"add members or drop a role"
        ]
    for shift in problem.shifts_of(team.id):
        why = {m: unavailability(problem, shift, m, reach) for m in team.members}
        free = [m for m, reason in why.items() if reason is None]
        if len(free) >= needed:
            continue
        counts = Counter(reason for reason in why.values() if reason)
        parts = [
            f"{n} of {plural(len(team.members), 'member')} {is_are(n)} {REASONS[r]} "
            f"({names(org, [m for m, rr in why.items() if rr == r])})"
            for r, n in counts.most_common()
        ]
        parts.append(f"{len(free)} can take it ({names(org, free)})" if free else "nobody can")
        found.append(
            f"{team.id}, {week_label(team, shift)}: needs {needed} on call"
            + (f" from site {shift.site}" if shift.site else "")
            + f"; {'; '.join(parts)}"
        )
    return found


def _most_shifts(problem: Problem, team: Team, person: str, reach: timedelta) -> int:
    """Count how many of the team's shifts one person can take, rest allowing (greedy, with
    the one rest predicate: wall-clock rest, docs/rules.md#4-rest); `reach` is `rest_reach`."""
    taken, last = 0, None
    for shift in problem.shifts_of(team.id):
        if unavailability(problem, shift, person, reach) is not None:
            continue
        if last is None or not too_close(problem.org, last, shift):
            taken += 1
            last = shift
    return taken


def on_call_at_once(problem: Problem) -> list[str]:
    """Say when rotations need more people on call at one moment than can be.

    Shifts running at the same instant need different people (docs/rules.md#2-overlap): if
    the shifts at an instant whose free members all lie in one pool need more people than the
    pool has, no plan exists. One sentence per set of rotations and pool, at the first such
    instant, with how many more instants fail the same way. The instants are swept in order,
    each pool compared only with the pools that share a member with it (or have none).
    """
    reach = rest_reach(problem.org)
    org = problem.org
    entries: list[tuple[Shift, frozenset[str], int]] = []
    for team in org.teams:
        for shift in problem.shifts_of(team.id):
            free = (m for m in team.members if unavailability(problem, shift, m, reach) is None)
            entries.append((shift, frozenset(free), len(team.rotation.roles)))
    entries.sort(key=lambda e: e[0].start)
    failing: dict[tuple, list] = {}
    running: list[tuple[Shift, frozenset[str], int]] = []
    taken = 0
    for instant in sorted({shift.start for shift, _, _ in entries}):
        while taken < len(entries) and entries[taken][0].start <= instant:
            running.append(entries[taken])
            taken += 1
        running = [e for e in running if e[0].end > instant]
        for teams, pool, shifts, need in _overfull_pools(running):
            failing.setdefault((teams, pool), []).append((instant, shifts, need))
    found = []
    for (teams, pool), moments in failing.items():
        instant, shifts, need = moments[0]
        first = min(s for s, _, _ in entries if s.team in teams and s.start <= instant < s.end)
        listed = ", ".join(teams[:6]) + (f" and {len(teams) - 6} more" if len(teams) > 6 else "")
        more = len(moments) - 1
        found.append(
            f"{listed}, {week_label(org.team(first.team), first)}: {shifts} shifts run at once "
            f"and need {need} people on call, but only {len(pool)} can take them "
            f"({names(org, sorted(pool))}), and nobody is on call twice at once"
            + _why_not_others(problem, teams, pool, instant)
            + (f"; the same at {more} later moment{'s' if more > 1 else ''}" if more else "")
            + "; add people to these rotations or stagger their shifts"
        )
    return found


def _overfull_pools(
    running: list[tuple[Shift, frozenset[str], int]],
) -> list[tuple[tuple[str, ...], frozenset[str], int, int]]:
    """Return (teams, pool, shifts, people needed) for each pool of the shifts running at one
    instant whose shifts (those free members all in the pool) need more people than it has."""
    by_pool: dict[frozenset[str], list] = {}
    for shift, pool, need in running:
        slot = by_pool.setdefault(pool, [[], 0])
        slot[0].append(shift)
        slot[1] += need
    holding: dict[str, list[frozenset[str]]] = {}
    for pool in by_pool:
        for m in pool:
            holding.setdefault(m, []).append(pool)
    empty = [frozenset()] if frozenset() in by_pool else []
    found = []
    for pool in sorted(by_pool, key=sorted):
        near = {q for m in pool for q in holding[m]}.union(empty)
        inside = [q for q in near if q <= pool]
        shifts = [s for q in inside for s in by_pool[q][0]]
        need = sum(by_pool[q][1] for q in inside)
        if len(shifts) > 1 and need > len(pool):
            found.append((tuple(sorted({s.team for s in shifts})), pool, len(shifts), need))
    return found


def _why_not_others(problem: Problem, teams: tuple[str, ...], pool, instant) -> str:
    """Say why the other members of these rotations cannot take a shift at `instant`."""
    reach = rest_reach(problem.org)
    org, why = problem.org, {}
    for shift in problem.shifts:
        if shift.team in teams and shift.start <= instant < shift.end:
            for m in org.team(shift.team).members:
                if m not in pool and m not in why:
                    why[m] = unavailability(problem, shift, m, reach)
    parts = []
    for reason in sorted({r for r in why.values() if r}):
        people = sorted(m for m, r in why.items() if r == reason)
        verb = "is" if len(people) == 1 else "are"
        parts.append(f"{names(org, people)} {verb} {REASONS[reason]}")
    return f" ({'; '.join(parts)})" if parts else ""


def rest_capacity(problem: Problem, team: Team) -> list[str]:
    """Say when the rest rule leaves the team too few places to cover the horizon."""
    reach = rest_reach(problem.org)
    shifts = problem.shifts_of(team.id)
    needed = len(shifts) * len(team.rotation.roles)
    if not shifts or team.rotation.min_rest <= timedelta(0):
        return []
    open_places = sum(
        1 for s in shifts for m in team.members if unavailability(problem, s, m, reach) is None
    )
    most = {m: _most_shifts(problem, team, m, reach) for m in team.members}
    if sum(most.values()) >= needed or open_places < needed:
        return []  # enough room, or leave alone already explains it (uncoverable shifts)
    rest = duration(team.rotation.min_rest)
    return [
        f"{team.id}: rest rule (min_rest {rest}) lets its "
        f"{plural(len(team.members), 'member')} take "
        f"at most {sum(most.values())} of the {plural(needed, 'place')} "
        f"({plural(len(shifts), 'shift')} x {plural(len(team.rotation.roles), 'role')}) in "
        f"{plural(problem.horizon.weeks, 'week')}; add members or shorten the rest"
    ]


def trainees_without_path(problem: Problem) -> list[str]:
    """Say when a trainee has nobody to shadow or too few open shifts to shadow."""
    reach = rest_reach(problem.org)
    org = problem.org
    found = []
    for person in org.people:
        if not person.trainee or not person.trainee.shadows:
            continue
        teams = org.teams_of(person.id)
        mentors = [m for t in teams for m in t.members if not org.person(m).is_trainee]
        if not mentors:
            found.append(
                f"training: {person.name} must shadow "
                f"{plural(person.trainee.shadows, 'shift')} beside a trained"
                f" primary, but no team of theirs has a trained member"
            )
            continue
        open_shifts = [
            s
            for t in teams
            for s in problem.shifts_of(t.id)
            if unavailability(problem, s, person.id, reach) is None
        ]
        if len(open_shifts) < person.trainee.shadows:
            found.append(
                f"training: {person.name} must shadow "
                f"{plural(person.trainee.shadows, 'shift')} but is "
                f"available for only {len(open_shifts)} in the horizon"
            )
    return found


def describe(problem: Problem, group: RuleGroup) -> str:
    """Turn one rule group of an infeasible core into a sentence."""
    return DESCRIBERS[group.rule](problem, group)


def _coverage(problem: Problem, group: RuleGroup) -> str:
    reach = rest_reach(problem.org)
    org = problem.org
    team = org.team(group.teams[0])
    week_start = problem.horizon.start + timedelta(weeks=group.week)
    shifts = [s for s in problem.shifts_of(team.id) if week_index(problem, s) == group.week]
    why: dict[str, set[str]] = {m: set() for m in team.members}
    for s in shifts:
        for m in team.members:
            why[m].add(unavailability(problem, s, m, reach) or "free")
    out = {r: [m for m, rs in why.items() if rs == {r}] for r in REASONS}
    parts = [
        f"{len(who)} of {plural(len(team.members), 'member')} {is_are(len(who))} {REASONS[r]} "
        f"({names(org, who)})"
        for r, who in out.items()
        if who
    ]
    free = [m for m, rs in why.items() if "free" in rs]
    parts.append(f"{len(free)} can take it ({names(org, free)})" if free else "nobody can")
    return (
        f"{team.id}, week of {week_start:%Y-%m-%d}: needs {len(team.rotation.roles)} on call "
        f"per shift; " + "; ".join(parts)
    )


def _rest(problem: Problem, group: RuleGroup) -> str:
    teams = [problem.org.team(t) for t in group.teams]
    rests = ", ".join(f"{t.id} {duration(t.rotation.min_rest)}" for t in teams)
    return (
        f"{'/'.join(t.id for t in teams)}: the rest rule (min_rest {rests}) keeps whoever "
        f"was just on call off the next shifts, leaving too few people"
    )


def _overlap(problem: Problem, group: RuleGroup) -> str:
    org = problem.org
    teams = [org.team(t) for t in group.teams]
    shared = sorted(set.intersection(*(set(t.members) for t in teams)))
    who = f" ({names(org, shared)})" if len(teams) > 1 and shared else ""
    return (
        f"{'/'.join(t.id for t in teams)}: people in several rotations{who} cannot be "
        f"on call twice at once, and without them some shifts cannot be covered"
    )


def _roster(problem: Problem, group: RuleGroup) -> str:
    team = problem.org.team(group.teams[0])
    return (
        f"{team.id}: roster rule needs {team.rotation.min_roster} distinct trained members "
        f"on primary or secondary, and fewer can be used in this horizon"
    )


def _training(problem: Problem, group: RuleGroup) -> str:
    person = problem.org.person(group.person)
    need = person.trainee
    return (
        f"training: {person.name} must shadow {plural(need.shadows, 'shift')} beside a trained "
        f"primary, then hold {plural(need.secondaries, 'secondary shift')} before any primary, "
        f"and this cannot fit around leave, rest and the other rules"
    )


def _previous(problem: Problem, group: RuleGroup) -> str:
    return f"{group.teams[0]}: shifts already started in the previous plan can no longer be kept"


DESCRIBERS: dict[str, Callable[[Problem, RuleGroup], str]] = {
    "coverage": _coverage,
    "rest": _rest,
    "overlap": _overlap,
    "roster": _roster,
    "training": _training,
    "previous": _previous,
}
GROUP_RULES = tuple(DESCRIBERS)
