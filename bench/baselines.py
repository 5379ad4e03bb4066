"""Today's tools side by side: how the on-call tools people use now would deal a quarter, judged
by the same rulebook and fairness report as Rota's own plan. Not part of the product.

    .venv/bin/python bench/baselines.py                   # every org, Rota capped at 20 s each
    .venv/bin/python bench/baselines.py --orgs acme,b1 --time-limit 10

Two faithful re-implementations:

- **Round-robin** (`round_robin`): how PagerDuty, Opsgenie, Grafana OnCall and GoAlert layers
  assign shifts. Each role of each rotation is a layer: an ordered list (the team's members, in
  the org file's order) whose turn passes to the next person at every handoff, whoever is on
  leave, on call elsewhere or still in training; the tools leave that to manual overrides. The
  layer has been running before the quarter, so it picks up after the last person the history
  shows in that role; the secondary layer of a team without history starts half-way round the
  list (the usual way to keep one person from holding both roles). A follow-the-sun slot is a
  layer of its own over the members of its site (a layer restriction). There is no shadow role.
- **LinkedIn oncall** (`linkedin_oncall`, its default scheduler): events in order of start;
  for each, the roster members with no event of the same team overlapping it (vacations are
  events on the team's calendar, so leave counts; other teams' events do not) are candidates;
  one who has never held the role on this team is picked (roster order, where oncall takes any),
  else the one whose last shift in the role ended longest ago. When everyone is busy the event
  stays empty. No rest, no training, no fairness beyond turn-taking.

`clashes` counts the assignments a manager would have to override by hand: a person on leave, or
on call twice at once. Every plan is judged by `scheduler.domain.rules.check` and measured by
`scheduler.domain.fairness.fairness_report`, the same code that judges and measures Rota.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [p for p in (str(REPO), str(REPO / "bench")) if p not in sys.path]

import orgs  # noqa: E402  (bench/orgs.py: the generated orgs)

from scheduler.domain.eligibility import unavailability  # noqa: E402
from scheduler.domain.fairness import FairnessReport, fairness_report  # noqa: E402
from scheduler.domain.model import Assignment, Plan, Problem, Role, Shift  # noqa: E402
from scheduler.domain.orgfile import load_org  # noqa: E402
from scheduler.domain.points import DayCalendar  # noqa: E402
from scheduler.domain.rules import check  # noqa: E402
from scheduler.domain.shifts import make_problem  # noqa: E402

UNFAIR = 1.2  # "carries more than 1.2 times their fair share"
ROTATION_ROLES = (Role.PRIMARY, Role.SECONDARY)


# --- the schedulers -------------------------------------------------------------------------


def _layer_key(problem: Problem, shift: Shift) -> tuple:
    """Which layer (schedule) a shift belongs to: the team, and its slot for follow-the-sun."""
    team = problem.org.team(shift.team)
    if not team.rotation.slots:
        return (shift.team,)
    local = shift.start.astimezone(ZoneInfo(team.timezone))
    return (shift.team, shift.site, local.time())


def round_robin(problem: Problem) -> Plan:
    """Deal the horizon as strict round-robin layers do: the next member in the list, always.

    Returns a Plan (status FEASIBLE, whatever it breaks); shifts of a slot whose site has no
    member stay empty.
    """
    org, turns, assignments = problem.org, {}, []
    for shift in sorted(problem.shifts, key=lambda s: (s.start, s.team)):
        team = org.team(shift.team)
        members = [
            m for m in team.members if shift.site is None or org.person(m).site == shift.site
        ]
        if not members:
            continue
        for role in team.rotation.roles:
            key = (*_layer_key(problem, shift), role)
            if key not in turns:
                turns[key] = _first_turn(problem, team.id, role, members)
            person = members[turns[key] % len(members)]
            turns[key] += 1
            assignments.append(Assignment(shift, role, person))
    return Plan(assignments=tuple(sorted(assignments)))


def _first_turn(problem: Problem, team_id: str, role: str, members: list[str]) -> int:
    """Where a layer stands at the horizon: after the last holder of the role in history."""
    past = [
        a
        for a in problem.org.history
        if a.shift.team == team_id and a.role == role and a.person in members
    ]
    if past:
        last = max(past, key=lambda a: a.shift.start)
        return members.index(last.person) + 1
    return len(members) // 2 if role == Role.SECONDARY else 0


def linkedin_oncall(problem: Problem) -> Plan:
    """Deal the horizon as LinkedIn oncall's default scheduler does (see the module docstring).

    Returns a Plan (status FEASIBLE); an event whose whole roster is busy stays empty.
    """
    org = problem.org
    held: dict[tuple[str, str, str], datetime] = {}  # (team, role, person) -> last end
    for a in org.history:
        key = (a.shift.team, a.role, a.person)
        held[key] = max(held.get(key, a.shift.end), a.shift.end)
    busy: dict[tuple[str, str], list[tuple[datetime, datetime]]] = defaultdict(list)
    for lv in org.leave:  # vacations are events on every team calendar of the person
        for team in org.teams_of(lv.person):
            busy[(team.id, lv.person)].append((lv.start, lv.end))
    assignments = []
    for shift in sorted(problem.shifts, key=lambda s: (s.start, s.team)):
        team = org.team(shift.team)
        for role in team.rotation.roles:
            free = [
                m
                for m in team.members
                if (shift.site is None or org.person(m).site == shift.site)
                and not any(s < shift.end and shift.start < e for s, e in busy[(team.id, m)])
            ]
            if not free:
                continue
            past = {m: held.get((team.id, role, m)) for m in free}
            new = [m for m in free if past[m] is None or past[m] > shift.start]
            person = new[0] if new else min(free, key=lambda m: (past[m], free.index(m)))
            assignments.append(Assignment(shift, role, person))
            busy[(team.id, person)].append((shift.start, shift.end))
            held[(team.id, role, person)] = shift.end
    return Plan(assignments=tuple(sorted(assignments)))


def rota(problem: Problem, time_limit: float) -> Plan | None:
    """Plan with Rota itself (`plan_or_explain`, one worker, seed 1); None when it finds none."""
    from scheduler.solve import SolveOptions, plan_or_explain

    outcome = plan_or_explain(problem, SolveOptions(time_limit=time_limit, num_workers=1, seed=1))
    return outcome.plan


# --- judging a plan ---------------------------------------------------------------------------


def clashes(problem: Problem, plan: Plan) -> int:
    """Count the assignments that need a manual override: on leave, or on call twice at once."""
    by_person: dict[str, list[Assignment]] = defaultdict(list)
    for a in plan.assignments:
        by_person[a.person].append(a)
    found = 0
    for person, mine in by_person.items():
        mine.sort(key=lambda a: a.shift.start)
        for i, a in enumerate(mine):
            double = any(
                b is not a and b.shift.start < a.shift.end and a.shift.start < b.shift.end
                for b in mine[max(0, i - 3) : i + 4]
            )
            if double or unavailability(problem, a.shift, person) == "leave":
                found += 1
    return found


@dataclass(frozen=True)
class Judged:
    """One plan judged: violations by rule, clashes, and the fairness figures of docs/fairness.md.

    `weekend_spread` and `holiday_spread` are the max minus the min of those hours over the
    rotation members who can be on call at all (a share above 0); `unfair` counts people whose
    load ratio is above 1.2.
    """

    org: str
    tool: str
    violations: dict[str, int]
    clashes: int
    max_load_ratio: float
    gini: float
    weekend_spread: float
    holiday_spread: float
    unfair: int
    report: FairnessReport


def judge(name: str, tool: str, problem: Problem, plan: Plan) -> Judged:
    """Judge `plan` with the one rulebook and measure it with the one fairness report."""
    violations = Counter(v.rule for v in check(problem, plan))
    report = fairness_report(problem, plan.assignments, DayCalendar(problem.org))
    rows = [r for r in report.people if r.ratio is not None]
    weekend = [r.weekend_hours for r in rows] or [0.0]
    holiday = [r.holiday_hours for r in rows] or [0.0]
    return Judged(
        org=name,
        tool=tool,
        violations=dict(violations),
        clashes=clashes(problem, plan),
        max_load_ratio=report.max_load_ratio,
        gini=report.gini,
        weekend_spread=max(weekend) - min(weekend),
        holiday_spread=max(holiday) - min(holiday),
        unfair=sum(1 for r in rows if r.ratio > UNFAIR),
        report=report,
    )


def compare(name: str, problem: Problem, time_limit: float = 20.0) -> list[Judged]:
    """Judge round-robin, LinkedIn oncall and Rota on one problem (Rota left out if it fails)."""
    judged = [
        judge(name, "round-robin", problem, round_robin(problem)),
        judge(name, "linkedin", problem, linkedin_oncall(problem)),
    ]
    plan = rota(problem, time_limit)
    if plan is not None:
        judged.append(judge(name, "rota", problem, plan))
    return judged


# --- the orgs and the table -------------------------------------------------------------------

SHARED = REPO.parent / "shared" / "benchmarks"
FILE_ORGS: dict[str, tuple[Path, date]] = {
    "acme": (REPO / "data" / "acme.yaml", date(2027, 1, 4)),
    "team": (REPO / "data" / "team.yaml", date(2027, 1, 4)),
    "b1": (SHARED / "b1_berlin_team.yaml", date(2027, 4, 5)),
    "b2": (SHARED / "b2_two_sites.yaml", date(2027, 4, 5)),
}
GENERATED: dict[str, Callable[[], object]] = {
    "conn60": lambda: orgs.connected_org(teams=8, people=60, incident_pool=6, seed=60),
    "conn120": lambda: orgs.connected_org(teams=16, people=120, incident_pool=8, seed=120),
}
ORG_NAMES = tuple(FILE_ORGS) + tuple(GENERATED)


def problem_of(name: str, weeks: int = 13) -> Problem | None:
    """Return the quarter of a named org (None when its file is missing)."""
    if name in FILE_ORGS:
        path, start = FILE_ORGS[name]
        if not path.exists():
            return None
        return make_problem(load_org(path), start, weeks)
    return make_problem(GENERATED[name](), orgs.START, weeks)


HEADER = ("org", "tool", "violations by rule", "clashes", "max ratio", "Gini", "wkend h", "hol h")


def table(rows: list[Judged]) -> str:
    """Render judged plans side by side, one line each (wkend/hol h: the spread, max - min)."""
    lines = [HEADER + (f">{UNFAIR}x",)]
    for r in rows:
        broken = ", ".join(f"{rule} {n}" for rule, n in sorted(r.violations.items())) or "none"
        lines.append(
            (
                r.org,
                r.tool,
                broken,
                str(r.clashes),
                f"{r.max_load_ratio:.3f}",
                f"{r.gini:.3f}",
                f"{r.weekend_spread:.0f}",
                f"{r.holiday_spread:.0f}",
                str(r.unfair),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def main(argv: list[str] | None = None) -> int:
    """Print the side-by-side table for the chosen orgs; exit 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", default=",".join(ORG_NAMES), help="comma-separated org names")
    parser.add_argument("--time-limit", type=float, default=20.0, help="Rota's cap, seconds")
    args = parser.parse_args(argv)
    rows: list[Judged] = []
    for name in [n.strip() for n in args.orgs.split(",") if n.strip()]:
        if name not in ORG_NAMES:
            parser.error(f"unknown org {name!r}; choose from {', '.join(ORG_NAMES)}")
        problem = problem_of(name)
        if problem is None:
            print(f"{name}: org file not found, skipped", file=sys.stderr)
            continue
        began = time.perf_counter()
        judged = compare(name, problem, args.time_limit)
        if not any(j.tool == "rota" for j in judged):
            print(f"{name}: Rota found no plan within {args.time_limit} s", file=sys.stderr)
        print(f"{name}: judged in {time.perf_counter() - began:.1f} s", file=sys.stderr)
        rows += judged
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
