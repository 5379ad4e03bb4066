"""Tables of a plan and its fairness: the only place that builds pandas DataFrames."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pandas as pd

from scheduler.domain.fairness import FairnessReport
from scheduler.domain.model import Assignment, Org, Plan, Role
from scheduler.domain.text import plural

PLAN_COLUMNS = ["team", "role", "start", "end", "person"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """Return user text safe for a spreadsheet cell: a leading formula character is quoted.

    Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, tab or CR as a formula
    (CSV injection); a leading apostrophe makes it plain text.
    """
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def local_iso(org: Org, assignment: Assignment, which: str) -> str:
    """Format a shift boundary in the team's zone, ISO 8601 with its UTC offset."""
    zone = ZoneInfo(org.team(assignment.shift.team).timezone)
    return getattr(assignment.shift, which).astimezone(zone).isoformat()


def plan_frame(org: Org, plan: Plan) -> pd.DataFrame:
    """Return plan.csv's rows: team, role, start, end (team-local ISO 8601), person."""
    rows = [
        {
            "team": a.shift.team,
            "role": a.role,
            "start": local_iso(org, a, "start"),
            "end": local_iso(org, a, "end"),
            "person": a.person,
        }
        for a in sorted(plan.assignments, key=lambda a: (a.shift.team, a.shift.start, a.role))
    ]
    return pd.DataFrame(rows, columns=PLAN_COLUMNS)


def fairness_frame(org: Org, report: FairnessReport) -> pd.DataFrame:
    """Return fairness.csv's rows: one per person with points, share, ratio and shifts."""
    rows = [
        {
            "person": row.person,
            "name": inert(org.person(row.person).name),
            "points": row.load,
            "history_points": row.history_points,
            "planned_points": row.planned_points,
            "fair_share": round(row.fair_share, 2),
            "ratio": None if row.ratio is None else round(row.ratio, 4),
            "primary": row.shifts["primary"],
            "secondary": row.shifts["secondary"],
            "shadow": row.shifts["shadow"],
            "weekend_hours": round(row.weekend_hours, 1),
            "holiday_hours": round(row.holiday_hours, 1),
            "available_hours": round(row.available_hours, 1),
        }
        for row in report.people
    ]
    return pd.DataFrame(rows)


def proof_line(plan: Plan, interrupted: bool = False) -> str:
    """Say what the solve proved and, when not everything, why it stopped.

    E.g. "max load ratio within 2.8% of its bound, spread within 1.2% of its bound: the
    search spent its budget" (docs/fairness.md#when-a-solve-ends); `interrupted` says a
    Ctrl-C stopped it.
    """

    def part(name: str, proven: bool, gap: float | None) -> str:
        if proven:
            return f"{name} proven"
        return f"{name} within {gap:.1%} of its bound" if gap is not None else f"{name} unproven"

    ratio = part("max load ratio", plan.ratio_proven, plan.ratio_gap)
    spread = part("spread", plan.spread_proven, plan.spread_gap)
    if plan.ratio_proven and plan.spread_proven:
        return f"{ratio}, {spread}"
    if interrupted:
        why = "the search was interrupted"
    elif plan.capped:
        why = "the time limit was reached"
    else:
        why = "the search spent its budget"
    return f"{ratio}, {spread}: {why}"


def summary_text(
    org: Org, plan: Plan, report: FairnessReport, seconds: float, interrupted: bool = False
) -> str:
    """Render the readable summary the command prints (`interrupted`: a Ctrl-C stopped it)."""
    frame = fairness_frame(org, report).sort_values("ratio", ascending=False)
    teams = pd.Series([a.shift.team for a in plan.assignments]).value_counts()
    bound = "n/a" if report.lower_bound is None else f"{report.lower_bound:.4f}"
    lines = [
        f"{org.name}: {plural(len(plan.assignments), 'assignment')} across "
        f"{plural(len(org.teams), 'team')} "
        f"({plan.status.lower()}, {seconds:.1f} s)",
        f"max load ratio {report.max_load_ratio:.4f}  (proven lower bound {bound}; "
        f"1.00 is perfectly fair)  Gini {report.gini:.4f}",
        proof_line(plan, interrupted),
        "",
        "assignments per team: " + ", ".join(f"{t} {n}" for t, n in sorted(teams.items())),
        "",
        "fairness, most loaded first:",
        frame[
            [
                "person",
                "points",
                "fair_share",
                "ratio",
                Role.PRIMARY,
                Role.SECONDARY,
                Role.SHADOW,
                "weekend_hours",
                "holiday_hours",
            ]
        ].to_string(index=False),
    ]
    return "\n".join(lines)
