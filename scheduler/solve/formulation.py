"""The CP-SAT formulation: decision variables, every hard rule, and the objective terms.

With solver.py, the only modules that import CP-SAT. Variables exist only for what eligibility
allows (leave, membership, `joined`, sites, rest after history), so those rules cost nothing
here. Fair shares are constants (every shift is covered, so the total load is fixed), which
keeps min-max linear.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from ortools.sat.python import cp_model

from scheduler.domain.eligibility import fixed_past, rest_reach, too_close
from scheduler.domain.explain import RuleGroup
from scheduler.domain.fairness import FairnessInputs
from scheduler.domain.model import Problem, Shift
from scheduler.domain.points import DayCalendar
from scheduler.domain.shifts import week_index

RATIO_SCALE = 10_000  # the max load ratio is optimised in units of 1/10,000
SHARE_SCALE = 100  # fair shares are kept to 1/100 of a point
TANGENTS = 48  # tangent cuts per person for the squared spread


Key = tuple[int, str, str]  # (shift index, role, person)


@dataclass
class RotaModel:
    """The CP-SAT model of one group of rotations, with its decision variables."""

    problem: Problem
    shifts: list[Shift]
    calendar: DayCalendar
    inputs: FairnessInputs | None = None  # the fair shares; set before any objective is added
    relax: bool = False
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    x: dict[Key, cp_model.IntVar] = field(default_factory=dict)
    points: dict[Key, int] = field(default_factory=dict)
    groups: dict[RuleGroup, cp_model.IntVar] = field(default_factory=dict)
    by_slot: dict[tuple[int, str], dict[str, cp_model.IntVar]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    by_person: dict[str, dict[tuple[int, str], cp_model.IntVar]] = field(
        default_factory=lambda: defaultdict(dict)
    )

    @property
    def people(self) -> list[str]:
        """Return the people with a decision variable in this group, sorted."""
        return sorted(self.by_person)

    def add_variable(self, i: int, role: str, person: str, points: int) -> None:
        """Add the Boolean "person holds role on shift i", worth `points` burden points."""
        v = self.model.new_bool_var(f"{self.shifts[i].key}/{role}/{person}")
        self.x[(i, role, person)] = v
        self.points[(i, role, person)] = points
        self.by_slot[(i, role)][person] = v
        self.by_person[person][(i, role)] = v

    def literal(self, group: RuleGroup) -> cp_model.IntVar | None:
        """Return the assumption literal of a rule group (only when explaining)."""
        if not self.relax:
            return None
        if group not in self.groups:
            self.groups[group] = self.model.new_bool_var(repr(group))
        return self.groups[group]

    def at_most_one(self, variables: list, group: RuleGroup) -> None:
        """Add "at most one of these" for a rule group (switchable when explaining)."""
        if len(variables) < 2:
            return
        lit = self.literal(group)
        if lit is None:
            self.model.add_at_most_one(variables)
        else:
            self.model.add(sum(variables) <= 1).only_enforce_if(lit)

    def linear(self, constraint, group: RuleGroup) -> None:
        """Add a linear constraint for a rule group (switchable when explaining)."""
        lit = self.literal(group)
        ct = self.model.add(constraint)
        if lit is not None:
            ct.only_enforce_if(lit)

    def planned(self, person: str) -> cp_model.LinearExpr:
        """Return the person's planned points in this group as a linear expression."""
        held = self.by_person[person]
        return cp_model.LinearExpr.weighted_sum(
            list(held.values()), [self.points[(i, r, person)] for (i, r) in held]
        )


def build(
    problem: Problem,
    shifts: list[Shift],
    calendar: DayCalendar,
    eligible: dict[tuple[Shift, str], list[str]],
    relax: bool = False,
) -> RotaModel:
    """Build the hard rules for `shifts` (one independent group of rotations).

    `eligible` maps (shift, role) to the people who may take it (`eligibility.candidates`);
    with `relax`, every rule group is switched by an assumption literal for explanations.
    """
    rm = RotaModel(problem, shifts, calendar, relax=relax)
    for i, shift in enumerate(shifts):
        for role in (*problem.roles_of(shift), "shadow"):
            points = calendar.points(shift.team, role, shift.start, shift.end)
            for person in eligible[(shift, role)]:
                rm.add_variable(i, role, person, points)
    add_coverage(rm)
    add_overlap_and_rest(rm)
    add_roster(rm)
    add_training(rm)
    add_fixed_past(rm)
    return rm


def add_coverage(rm: RotaModel) -> None:
    """Rule 1: exactly one person per role of every shift; at most one shadow."""
    for i, shift in enumerate(rm.shifts):
        group = RuleGroup("coverage", (shift.team,), week=week_index(rm.problem, shift))
        for role in rm.problem.roles_of(shift):
            rm.linear(sum(rm.by_slot[(i, role)].values()) == 1, group)
        rm.at_most_one(list(rm.by_slot[(i, "shadow")].values()), group)


def conflict_cliques(
    rm: RotaModel, indices: list[int], close: Callable[[int, int], bool] | None = None
) -> list[list[int]]:
    """Cover every conflicting pair of a person's shifts with few, large cliques.

    `close(i, j)` tells whether shifts i and j are too close for one person (`too_close`);
    pass one memoised across the people of a group, who share most of their shifts.
    """
    org = rm.problem.org
    if close is None:

        def close(i: int, j: int) -> bool:
            return too_close(org, rm.shifts[i], rm.shifts[j])

    order = sorted(indices, key=lambda i: rm.shifts[i].start)
    covered: set[tuple[int, int]] = set()
    reach = rest_reach(org)
    cliques = []
    for pos, i in enumerate(order):
        clique = [i]
        for j in order[pos + 1 :]:
            if not close(i, j):
                if rm.shifts[j].start - rm.shifts[i].end > reach:
                    break  # beyond any rest, whatever the clocks did (CLOCK_SLACK)
                continue
            if all(close(j, k) for k in clique):
                clique.append(j)
            elif (i, j) not in covered:
                cliques.append([i, j])
                covered.add((i, j))
        pairs = {(a, b) for a in clique for b in clique if a != b}
        if len(clique) > 1 and not pairs <= covered:
            cliques.append(clique)
            covered |= pairs
    return cliques


def add_overlap_and_rest(rm: RotaModel) -> None:
    """Rules 2 and 4: one assignment at a time per person, with rest between them."""
    org = rm.problem.org

    @cache
    def close(i: int, j: int) -> bool:
        return too_close(org, rm.shifts[i], rm.shifts[j])

    for held in rm.by_person.values():
        by_shift: dict[int, list] = defaultdict(list)
        for (i, _), v in held.items():
            by_shift[i].append(v)
        for i, variables in by_shift.items():
            rm.at_most_one(variables, RuleGroup("overlap", (rm.shifts[i].team,)))
        for clique in conflict_cliques(rm, list(by_shift), close):
            teams = tuple(sorted({rm.shifts[i].team for i in clique}))
            shifts = [rm.shifts[i] for i in clique]
            at_once = all(a.overlaps(b.start, b.end) for a in shifts for b in shifts)
            rule = "overlap" if at_once else "rest"
            rm.at_most_one([v for i in clique for v in by_shift[i]], RuleGroup(rule, teams))


def add_roster(rm: RotaModel) -> None:
    """Rule 5: at least `min_roster` distinct trained members hold primary or secondary."""
    org = rm.problem.org
    for team_id in sorted({s.team for s in rm.shifts}):
        team = org.team(team_id)
        used = []
        for member in team.members:
            if org.person(member).is_trainee:
                continue
            held = [
                v
                for (i, r), v in rm.by_person.get(member, {}).items()
                if r != "shadow" and rm.shifts[i].team == team_id
            ]
            flag = rm.model.new_bool_var(f"uses/{team_id}/{member}")
            rm.model.add(flag <= sum(held))
            used.append(flag)
        # A horizon with fewer places than the roster can use only as many people as places.
        # Too few trained members stays impossible (the rule asks the team to have them).
        places = sum(len(team.rotation.roles) for s in rm.shifts if s.team == team_id)
        need = team.rotation.min_roster
        if len(used) >= need:
            need = min(need, places)
        rm.linear(sum(used) >= need, RuleGroup("roster", (team_id,)))


def add_training(rm: RotaModel) -> None:
    """Rule 6: trainees shadow a trained primary, then hold secondaries, then primaries."""
    org = rm.problem.org
    members = {m for s in rm.shifts for m in org.team(s.team).members}
    trainees = sorted(p for p in members if org.person(p).is_trainee)
    for i in range(len(rm.shifts)):
        shadows = list(rm.by_slot[(i, "shadow")].values())
        for q in trainees:
            primary = rm.x.get((i, "primary", q))
            if primary is not None and shadows:
                rm.linear(sum(shadows) + primary <= 1, RuleGroup("training", person=q))
    for t in trainees:
        need = org.person(t).trainee
        mine = rm.by_person[t]
        path = RuleGroup("training", person=t)
        rm.linear(sum(v for (i, r), v in mine.items() if r == "shadow") == need.shadows, path)
        for (i, role), v in mine.items():
            start = rm.shifts[i].start
            ended = {
                r: [w for (j, rr), w in mine.items() if rr == r and rm.shifts[j].end <= start]
                for r in ("shadow", "secondary")
            }
            if role in ("secondary", "primary") and need.shadows:
                rm.linear(sum(ended["shadow"]) >= need.shadows * v, path)
            if role == "primary" and need.secondaries:
                rm.linear(sum(ended["secondary"]) >= need.secondaries * v, path)


def add_fixed_past(rm: RotaModel) -> None:
    """Keep previous-plan assignments that have already started."""
    index = {s: i for i, s in enumerate(rm.shifts)}
    for a in fixed_past(rm.problem):
        if a.shift in index:
            v = rm.x.get((index[a.shift], a.role, a.person))
            rm.linear(v == 1 if v is not None else 0 == 1, RuleGroup("previous", (a.shift.team,)))


def independent_groups(problem: Problem) -> list[list[Shift]]:
    """Split the shifts into groups of rotations that share no member."""
    parent = {t.id: t.id for t in problem.org.teams}

    def find(t):
        while parent[t] != t:
            parent[t] = parent[parent[t]]
            t = parent[t]
        return t

    owner: dict[str, str] = {}
    for team in problem.org.teams:
        for m in team.members:
            if m in owner:
                parent[find(team.id)] = find(owner[m])
            else:
                owner[m] = team.id
    groups: dict[str, list[Shift]] = defaultdict(list)
    for shift in problem.shifts:
        groups[find(shift.team)].append(shift)
    return [sorted(g) for _, g in sorted(groups.items())]


# --- the objective -------------------------------------------------------------------------


def compared(rm: RotaModel) -> list[str]:
    """Return the people of this group whose load ratio counts (those with a fair share)."""
    org = rm.problem.org
    members = {m for s in rm.shifts for m in org.team(s.team).members}
    return sorted(p for p in members if rm.inputs.shares[p] > 0)


def scaled_share(rm: RotaModel, person: str) -> int:
    """Return a fair share in the model's integer units (rounded up, so ratios never overshoot)."""
    return math.ceil(rm.inputs.shares[person] * SHARE_SCALE)


def scaled_ratio_of(rm: RotaModel, person: str, load: int) -> int:
    """Return the smallest `z` that the model's ratio constraint allows for this load."""
    return -(-load * RATIO_SCALE * SHARE_SCALE // scaled_share(rm, person))


def add_max_ratio(rm: RotaModel) -> cp_model.IntVar:
    """Phase 1: `z >= RATIO_SCALE * L_p / S_p` for everyone, linear since shares are constant."""
    people = compared(rm)
    top = max((rm.inputs.total_load / rm.inputs.shares[p] for p in people), default=1.0)
    z = rm.model.new_int_var(0, int(math.ceil(top * RATIO_SCALE)) + 1, "max_load_ratio")
    for p in people:
        load = rm.planned(p) + rm.inputs.history[p]
        rm.model.add(load * (RATIO_SCALE * SHARE_SCALE) <= z * scaled_share(rm, p))
    return z


def add_spread(rm: RotaModel) -> cp_model.LinearExpr:
    """Phase 2: the sum of `(L_p - S_p)^2`, each square bounded below by tangent cuts."""
    squares = []
    for p in compared(rm):
        share = round(rm.inputs.shares[p])
        history = rm.inputs.history[p]
        most = history + sum(rm.points[(i, r, p)] for (i, r) in rm.by_person.get(p, {}))
        low, high = history - share, max(most - share, history - share)
        deviation = rm.model.new_int_var(low, high, f"deviation/{p}")
        rm.model.add(deviation == rm.planned(p) + history - share)
        square = rm.model.new_int_var(0, max(low * low, high * high), f"square/{p}")
        step = max(1, (high - low) // TANGENTS)
        for k in range(low, high + step, step):
            rm.model.add(square >= 2 * k * deviation - k * k)
        squares.append(square)
    return sum(squares)


def changes_of(rm: RotaModel) -> list:
    """Return one term per previous-plan assignment not yet started: 1 when the plan changes it.

    A term is `1 - x` for the variable keeping it, or the constant 1 when nobody can keep it.
    """
    problem = rm.problem
    index = {s: i for i, s in enumerate(rm.shifts)}
    changes = []
    for a in problem.previous:
        if a.shift in index and (problem.now is None or a.shift.start >= problem.now):
            v = rm.x.get((index[a.shift], a.role, a.person))
            changes.append(1 - v if v is not None else 1)
    return changes


def add_wishes(rm: RotaModel) -> cp_model.LinearExpr:
    """Phase 3: broken avoid requests first, then changes to a previous plan's future."""
    broken = []
    for request in rm.problem.org.avoid:
        for (i, _), v in rm.by_person.get(request.person, {}).items():
            if rm.shifts[i].overlaps(request.start, request.end):
                broken.append(v)
    changes = changes_of(rm)
    return (len(changes) + 1) * sum(broken) + sum(changes)
