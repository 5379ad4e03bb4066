"""The fewest changes a re-plan can make, by brute force, beside what `rota plan --previous` makes.

    .venv/bin/python bench/replan_minimum.py                 # 6 people, 6 weeks, primary only
    .venv/bin/python bench/replan_minimum.py --people 5 --weeks 5 --json

A small team (weekly primary, a week's rest between shifts) is planned; then one person gets a
week of new leave over one of their weeks after the first, and the quarter is re-planned from the
start of the second week (the first has started and never changes). Every plan is enumerated:
each future week takes any member, the rulebook (`rules.check`, the one used everywhere) keeps
the valid ones, `fairness_report` measures each one's max load ratio. Among the valid plans
within `--tolerance` of the best ratio (SPEC 5's re-planning order), the fewest changes to the
previous plan is the minimum; the solver's re-plan (same tolerance) is measured the same way.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from dataclasses import replace
from datetime import date, timedelta
from datetime import time as clock

from scheduler.domain import rules
from scheduler.domain.changes import changed
from scheduler.domain.fairness import fairness_report
from scheduler.domain.model import Assignment, Leave, Org, Person, Plan, Rotation, Team
from scheduler.domain.points import DayCalendar
from scheduler.domain.shifts import make_problem
from scheduler.solve import SolveOptions, plan_or_explain

START = date(2027, 1, 4)  # a Monday


def small_team(people: int) -> Org:
    """Build one team of `people`, weekly primary from Monday 09:00 UTC, a week's rest."""
    ids = [f"p{i}" for i in range(people)]
    team = Team(
        id="ops",
        name="Ops",
        timezone="UTC",
        members=tuple(ids),
        rotation=Rotation(
            shift="weekly",
            handoff=clock(9),
            handoff_weekday=0,
            roles=("primary",),
            min_roster=2,
            min_rest=timedelta(days=7),
        ),
    )
    persons = tuple(Person(id=p, name=p.upper(), timezone="UTC") for p in ids)
    return Org(name="Bench", timezone="UTC", people=persons, teams=(team,))


def ratio_of(problem, assignments) -> float:
    """Return the max load ratio of a plan (SPEC 5), measured as every page measures it."""
    return fairness_report(problem, list(assignments), DayCalendar(problem.org)).max_load_ratio


def main() -> None:
    """Plan, add leave, re-plan with the solver, enumerate every plan; print both counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=6)
    parser.add_argument("--weeks", type=int, default=6)
    parser.add_argument("--tolerance", type=float, default=0.02)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    options = SolveOptions(time_limit=60, num_workers=1, seed=1, tolerance=args.tolerance)

    org = small_team(args.people)
    first = plan_or_explain(make_problem(org, START, args.weeks), options).plan
    published = sorted(first.assignments)
    # New leave: the holder of the third week is away that whole week.
    hit = published[2]
    away = Leave(hit.person, hit.shift.start, hit.shift.end)
    org = replace(org, leave=(away,))
    now = published[1].shift.start  # the second week is about to start: the first is kept
    problem = make_problem(org, START, args.weeks, previous=published, now=now)

    started = time.monotonic()
    replanned = plan_or_explain(problem, options).plan
    solver_seconds = time.monotonic() - started
    solver_changes = len(changed(problem, replanned))
    solver_ratio = ratio_of(problem, replanned.assignments)

    started = time.monotonic()
    shifts = sorted(problem.shifts)
    fixed = [a for a in published if a.shift.start < now]
    free = [s for s in shifts if s.start >= now]
    members = org.teams[0].members
    valid = []
    for people in itertools.product(members, repeat=len(free)):
        if any(a == b for a, b in itertools.pairwise(people)):  # rest: never two weeks running
            continue
        candidate = fixed + [Assignment(s, "primary", p) for s, p in zip(free, people, strict=True)]
        plan = Plan(assignments=tuple(candidate))
        if rules.check(problem, plan):
            continue
        valid.append((ratio_of(problem, candidate), len(changed(problem, plan))))
    best = min(r for r, _ in valid)
    allowed = best * (1 + args.tolerance) + 1e-9
    minimum = min(n for r, n in valid if r <= allowed)
    figures = {
        "people": args.people,
        "weeks": args.weeks,
        "tolerance": args.tolerance,
        "leave": f"{away.person} from {away.start:%Y-%m-%d %H:%M} to {away.end:%Y-%m-%d %H:%M}",
        "valid_plans": len(valid),
        "best_ratio": round(best, 4),
        "brute_force_min_changes": minimum,
        "brute_force_seconds": round(time.monotonic() - started, 1),
        "solver_changes": solver_changes,
        "solver_ratio": round(solver_ratio, 4),
        "solver_seconds": round(solver_seconds, 2),
    }
    if args.json:
        print(json.dumps(figures))
        return
    for key, value in figures.items():
        print(f"{key:>24}: {value}")


if __name__ == "__main__":
    main()
