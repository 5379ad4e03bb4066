"""The rulebook: check any plan against the hard rules (docs/rules.md), without a solver.

Every function below checks one rule and returns its violations as sentences a manager can act
on. The solver, the swap service, the web UI and the tests all judge plans here and nowhere else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from scheduler.domain.eligibility import (
    joined_at,
    rest_between,
    rest_needed,
    rest_reach,
    too_close,
)
from scheduler.domain.holding import held, held_by_person, held_on, leave_span, span_words
from scheduler.domain.model import (
    ROTATION_ROLES,
    Assignment,
    Org,
    Plan,
    Problem,
    Role,
    Shift,
)
from scheduler.domain.shifts import team_horizon
from scheduler.domain.text import and_list, duration, name_of, plural, shift_label

_EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Violation:
    """One broken hard rule, located in a team, a stretch of time and the people involved."""

    rule: str
    team: str | None
    start: datetime | None
    end: datetime | None
    people: tuple[str, ...]
    message: str


class RuleViolationError(Exception):
    """A plan that breaks hard rules where a valid one was promised: a bug, raised loudly."""

    def __init__(self, violations: Iterable[Violation]):
        self.violations = list(violations)
        super().__init__("\n".join(v.message for v in self.violations))


# --- the rules, in the order of docs/rules.md -------------------------------------------------


def coverage(problem: Problem, plan: Plan) -> list[Violation]:
    """Every shift has exactly one person per role of its rotation, and at most one shadow."""
    org, found = problem.org, []
    known = set(problem.shifts)
    holders: dict[tuple[Shift, str], list[str]] = defaultdict(list)
    pieces: dict[tuple[Shift, str], list[Assignment]] = defaultdict(list)
    for a in sorted(plan.assignments):
        if a.shift not in known:
            why = "which is not a shift of this plan's rotations and horizon"
        elif a.role not in (*problem.roles_of(a.shift), Role.SHADOW):
            why = f"but the rotation has no {a.role} role ({', '.join(problem.roles_of(a.shift))})"
        else:
            pieces[a.shift, a.role].append(a)
            if a.whole or a.role == Role.SHADOW or a.person not in holders[a.shift, a.role]:
                holders[a.shift, a.role].append(a.person)
            continue
        message = f"{name_of(org, a.person)} holds {held(org, a)}, {why}."
        found.append(_at("coverage", a.shift, (a.person,), message))
    for shift in problem.shifts:
        for role in problem.roles_of(shift):
            parts = pieces.get((shift, role), [])
            if parts and not all(p.whole for p in parts):
                found += _tiling(org, shift, role, parts)
                continue
            people = holders.get((shift, role), [])
            if len(people) != 1:
                found.append(_role_count("coverage", org, shift, role, people, "exactly one"))
        shadows = holders.get((shift, Role.SHADOW), [])
        if len(shadows) > 1:
            found.append(_role_count("coverage", org, shift, Role.SHADOW, shadows, "at most one"))
    return found


def _tiling(org: Org, shift: Shift, role: str, parts: list[Assignment]) -> list[Violation]:
    """Check that the pieces of one role on a split shift cover it once, end to end."""
    found, cursor = [], shift.start
    for piece in sorted(parts, key=lambda a: (a.start, a.end)):
        if piece.start < shift.start or piece.end > shift.end or piece.end <= piece.start:
            gap = f"{name_of(org, piece.person)} holds {role} {span_words(org, piece)}, outside it"
        elif piece.start < cursor:
            gap = (
                f"{name_of(org, piece.person)} holds {role} {span_words(org, piece)}, held already"
            )
        elif piece.start > cursor:
            hole = Assignment(shift, role, "", cursor, piece.start)
            gap = f"nobody holds {role} {span_words(org, hole)}"
        else:
            cursor = piece.end
            continue
        cursor = max(cursor, piece.end)
        message = f"{shift_label(org, shift)}: {gap}; it takes exactly one person at a time."
        found.append(_at("coverage", shift, (piece.person,), message))
    if cursor < shift.end:
        hole = Assignment(shift, role, "", cursor, shift.end)
        message = (
            f"{shift_label(org, shift)}: nobody holds {role} {span_words(org, hole)}; "
            "it takes exactly one person at a time."
        )
        found.append(_at("coverage", shift, (), message))
    return found


def overlap(problem: Problem, plan: Plan) -> list[Violation]:
    """One role per person per shift; nobody holds two overlapping assignments, across teams."""
    org, found = problem.org, []
    for person, shifts in held_by_person(problem, plan).items():
        roles_on: dict[Shift, set[str]] = defaultdict(set)
        for span, (roles, past) in shifts.items():
            if not past:
                roles_on[span.origin] |= set(roles)
        for shift, roles in roles_on.items():
            if len(roles) > 1:
                message = (
                    f"{name_of(org, person)} holds {and_list(sorted(roles))} on "
                    f"{shift_label(org, shift)}; one person takes one role per shift."
                )
                found.append(_at("overlap", shift, (person,), message))
        ordered = sorted(shifts.items(), key=lambda item: (item[0].start, item[0].end))
        for i, (first, (first_roles, first_past)) in enumerate(ordered):
            for second, (second_roles, second_past) in ordered[i + 1 :]:
                if second.start >= first.end:
                    break
                if (first_past and second_past) or first.origin == second.origin:
                    continue  # the past is not ours; one shift's roles are reported above
                message = (
                    f"{name_of(org, person)} is on call twice at once: "
                    f"{held_on(org, first, first_roles, first_past)} overlaps "
                    f"{held_on(org, second, second_roles, second_past)}."
                )
                found.append(_at("overlap", second, (person,), message))
    return found


def leave(problem: Problem, plan: Plan) -> list[Violation]:
    """No assignment overlaps a leave of its person."""
    org, found = problem.org, []
    for a in sorted(plan.assignments):
        for away in org.leave_of(a.person):
            if a.span.overlaps(away.start, away.end):
                message = (
                    f"{name_of(org, a.person)} is on leave {leave_span(org, away)} "
                    f"but holds {held(org, a)}."
                )
                found.append(_at("leave", a.shift, (a.person,), message))
    return found


def rest(problem: Problem, plan: Plan) -> list[Violation]:
    """Between two assignments of one person, at least the larger `min_rest` of the two teams,
    on the wall clock of the team whose assignment ends first (docs/rules.md#4-rest)."""
    org, found = problem.org, []
    reach = rest_reach(org)
    for person, shifts in held_by_person(problem, plan).items():
        ordered = sorted(shifts.items(), key=lambda item: (item[0].start, item[0].end))
        for i, (first, (first_roles, first_past)) in enumerate(ordered):
            for second, (second_roles, second_past) in ordered[i + 1 :]:
                if second.start - first.end > reach:
                    break  # later shifts start later still: every gap from here is long enough
                # Overlapping pairs belong to the overlap rule; the past is not ours to judge.
                # A holder around a cover is off inside one shift, not between two.
                if first.overlaps(second.start, second.end) or (first_past and second_past):
                    continue
                if first.origin == second.origin:
                    continue
                if too_close(org, first, second):
                    needed = rest_needed(org, first.team, second.team)
                    gap = max(rest_between(org, first, second), timedelta(0))
                    message = (
                        f"{name_of(org, person)} has only {duration(gap)} off between "
                        f"{held_on(org, first, first_roles, first_past)} and "
                        f"{held_on(org, second, second_roles, second_past)}; "
                        f"needs at least {duration(needed)}."
                    )
                    found.append(_at("rest", second, (person,), message))
    return found


def roster(problem: Problem, plan: Plan) -> list[Violation]:
    """A team has `min_roster` trained members, and the plan puts that many on its rotation."""
    org, found = problem.org, []
    for team in org.teams:
        need = team.rotation.min_roster
        start, end = team_horizon(team, problem.horizon)
        members = dict.fromkeys(team.members)
        trained = [m for m in members if m in org.people_by_id and not _is_trainee(org, m)]
        if len(trained) < need:
            message = (
                f"{team.name} has {len(trained)} trained members "
                f"({and_list([name_of(org, m) for m in trained]) or 'none'}) but its rotation "
                f"needs at least {need}."
            )
            found.append(Violation("roster", team.id, start, end, tuple(trained), message))
            continue
        roles = [r for r in team.rotation.roles if r in ROTATION_ROLES]
        # A horizon shorter than the roster cannot use everyone; ask only for what fits.
        wanted = min(need, len(problem.shifts_of(team.id)) * len(roles))
        used = {a.person for a in plan.of_team(team.id) if a.role in ROTATION_ROLES}
        used_trained = [m for m in trained if m in used]
        if len(used_trained) < wanted:
            unused = tuple(m for m in trained if m not in used)
            message = (
                f"{team.name}: the plan puts only {len(used_trained)} trained members on "
                f"{' and '.join(roles)}, it needs at least {wanted}; not on call: "
                f"{and_list([name_of(org, m) for m in unused])}."
            )
            found.append(Violation("roster", team.id, start, end, unused, message))
    return found


def training(problem: Problem, plan: Plan) -> list[Violation]:
    """Trainees shadow a trained primary, then take secondaries, then carry the pager."""
    org, found = problem.org, []
    primaries: dict[Shift, list[Assignment]] = defaultdict(list)
    for a in sorted(plan.assignments):
        if a.role == Role.PRIMARY:
            primaries[a.shift].append(a)
    for a in sorted(plan.assignments):
        if a.role != Role.SHADOW or a.person not in org.people_by_id:
            continue  # an unknown person is the membership rule's to report
        name = name_of(org, a.person)
        if not _is_trainee(org, a.person):
            message = f"{name} holds {held(org, a)} but is not a trainee; only trainees shadow."
            found.append(_at("training", a.shift, (a.person,), message))
        beside = [p.person for p in primaries.get(a.shift, []) if p.span.overlaps(a.start, a.end)]
        primary = next((p for p in beside if _is_trainee(org, p)), None)
        if primary is not None:
            message = (
                f"{name} shadows on {shift_label(org, a.shift)} beside {name_of(org, primary)}, "
                f"who is a trainee; a shadow needs a trained primary."
            )
            found.append(_at("training", a.shift, (a.person, primary), message))
    for person in org.people:
        if person.trainee is not None:
            found += _trainee_progress(org, person.id, plan.of_person(person.id))
    return found


def _trainee_progress(org: Org, person: str, mine: list[Assignment]) -> list[Violation]:
    trainee, name, found = org.person(person).trainee, name_of(org, person), []
    # A shift split by an override still counts once (docs/rules.md#overrides).
    shadows = sorted({a.shift: a for a in mine if a.role == Role.SHADOW}.values())
    secondaries = sorted(a for a in mine if a.role == Role.SECONDARY)
    if len(shadows) != trainee.shadows:
        teams = and_list([t.name for t in org.teams_of(person)]) or "no team"
        message = (
            f"{name} (trainee on {teams}) has {plural(len(shadows), 'shadow shift')} in the plan; "
            f"needs exactly {trainee.shadows}."
        )
        found.append(Violation("training", None, None, None, (person,), message))
    shadows_end = max((a.shift.end for a in shadows), default=None)
    for a in sorted(mine):
        if a.role not in ROTATION_ROLES:
            continue
        done = len({s.shift for s in secondaries if s.end <= a.start})
        if shadows_end is not None and a.start < shadows_end:
            why = "before their shadow shifts have ended"
        elif a.role == Role.PRIMARY and done < trainee.secondaries:
            why = (
                f"after only {done} of the {plural(trainee.secondaries, 'secondary shift')} "
                "they need first"
            )
        else:
            continue
        message = f"{name} is a trainee and holds {held(org, a)} {why}."
        found.append(_at("training", a.shift, (person,), message))
    return found


def membership(problem: Problem, plan: Plan) -> list[Violation]:
    """Only members of a team work its shifts, and nobody before the day they join."""
    org, found = problem.org, []
    for a in sorted(plan.assignments):
        person, team = org.people_by_id.get(a.person), org.teams_by_id.get(a.shift.team)
        if person is None:
            why = f"'{a.person}' is not a person of {org.name} but holds {held(org, a)}."
        elif team is not None and a.person not in team.members:
            why = f"{person.name} is not a member of {team.name} but holds {held(org, a)}."
        elif person.joined and a.start < joined_at(person):
            why = f"{person.name} joins on {person.joined:%Y-%m-%d} but holds {held(org, a)}."
        else:
            continue
        found.append(_at("membership", a.shift, (a.person,), why))
    return found


def follow_the_sun(problem: Problem, plan: Plan) -> list[Violation]:
    """A follow-the-sun slot with a site takes only people of that site."""
    org, found = problem.org, []
    for a in sorted(plan.assignments):
        person = org.people_by_id.get(a.person)
        if a.shift.site is None or person is None or person.site == a.shift.site:
            continue
        site = f"site {person.site}" if person.site else "no site"
        message = (
            f"{person.name} ({site}) holds {held(org, a)}, "
            f"a slot only people of site {a.shift.site} take."
        )
        found.append(_at("site", a.shift, (a.person,), message))
    return found


class Rule(NamedTuple):
    """A hard rule: its id (as in violations), a label for people, and its check."""

    id: str
    label: str
    function: Callable[[Problem, Plan], list[Violation]]


RULES: tuple[Rule, ...] = (
    Rule("coverage", "Every shift has one person per role and at most one shadow", coverage),
    Rule("overlap", "One role per shift, and nobody on call twice at once", overlap),
    Rule("leave", "Nobody is on call during their leave", leave),
    Rule("rest", "Enough rest between two shifts of one person", rest),
    Rule("roster", "A rotation has and uses its minimum roster of trained members", roster),
    Rule("training", "Trainees shadow, then back up, before they carry the pager", training),
    Rule("membership", "Only members work a team's shifts, and not before they join", membership),
    Rule("site", "A follow-the-sun slot takes only people of its site", follow_the_sun),
)


def check(problem: Problem, plan: Plan) -> list[Violation]:
    """Return every hard-rule violation of `plan`, in a stable order."""
    found = [v for rule in RULES for v in rule.function(problem, plan)]
    return sorted(found, key=_order)


def assert_valid(problem: Problem, plan: Plan) -> None:
    """Raise `RuleViolationError` if `plan` breaks any hard rule."""
    violations = check(problem, plan)
    if violations:
        raise RuleViolationError(violations)


# --- helpers ------------------------------------------------------------------------------


def _order(v: Violation) -> tuple:
    return (v.start or _EARLIEST, v.team or "", v.rule, v.people, v.message)


def _at(rule: str, shift: Shift, people: tuple[str, ...], message: str) -> Violation:
    return Violation(rule, shift.team, shift.start, shift.end, people, message)


def _role_count(
    rule: str, org: Org, shift: Shift, role: str, people: list[str], allowed: str
) -> Violation:
    if people:
        who = f"{and_list([name_of(org, p) for p in people])} all hold {role}"
    else:
        who = f"nobody holds {role}"
    message = f"{shift_label(org, shift)}: {who}; it takes {allowed}."
    return _at(rule, shift, tuple(people), message)


def _is_trainee(org: Org, person: str) -> bool:
    known = org.people_by_id.get(person)
    return known is not None and known.is_trainee


def refusal_lines(violations: Iterable[Violation]) -> list[str]:
    """Word broken rules as a short list: one line per rule, in the rulebook's order.

    A rule broken several times shows its first violation and how many more there are
    ('... (and 2 more like it)'); the lines are what a refused swap shows (docs/rules.md).
    """
    by_rule: dict[str, list[Violation]] = {}
    for violation in violations:
        by_rule.setdefault(violation.rule, []).append(violation)
    order = [rule.id for rule in RULES]
    lines = []
    for rule in sorted(by_rule, key=lambda r: order.index(r) if r in order else len(order)):
        first, more = by_rule[rule][0], len(by_rule[rule]) - 1
        lines.append(first.message + (f" (and {more} more like it)" if more else ""))
    return lines
