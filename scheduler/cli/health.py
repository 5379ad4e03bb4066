"""`rota health`: the rotations' health as a table or JSON, exit 1 when one is unhealthy."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click

from scheduler.cli.common import BadInput, database, db_option, parse_time
from scheduler.cli.common import now as clock

EXIT_HEALTHY = 0
EXIT_UNHEALTHY = 1


@click.command()
@click.option("--org", "org_name", help="Only this org [default: every org].")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option(
    "--now", callback=parse_time, help="Measure at this time (ISO 8601 with offset) [default: now]."
)
@db_option
def health(org_name, as_json, now, db_url):
    """Check every rotation: roster, coverage gaps, the plan's runway, on-call share, fairness.

    Exits 0 when every rotation is healthy, 1 when one is not (docs/health.md), 2 on bad input,
    so it can run from cron or CI.
    """
    from scheduler.services.health import health as measure

    at = now or clock()
    with database(db_url) as sessions, sessions() as session:
        try:
            orgs = measure(session, at, org_name)
        except LookupError as err:
            raise BadInput(str(err)) from None
    if not orgs:
        raise BadInput("no org imported yet; import one with `rota import ORGFILE`")
    if as_json:
        click.echo(json.dumps(health_json(orgs, at), indent=2))
    else:
        click.echo(health_table(orgs))
    sys.exit(EXIT_HEALTHY if all(o.healthy for o in orgs) else EXIT_UNHEALTHY)


def health_json(orgs, at: datetime) -> dict:
    """Return the JSON body of `rota health --json`: `healthy`, `now` and one entry per org."""
    return {
        "healthy": all(o.healthy for o in orgs),
        "now": at.isoformat(),
        "orgs": [_org_json(o) for o in orgs],
    }


def _org_json(o) -> dict:
    return {
        "org": o.org,
        "healthy": o.healthy,
        "plan": None
        if o.plan_id is None
        else {"id": o.plan_id, "start": o.plan_start.isoformat(), "end": o.plan_end.isoformat()},
        "max_load_ratio": o.max_load_ratio,
        "lower_bound": o.lower_bound,
        "gini": o.gini,
        "teams": [
            {
                "team": t.team,
                "name": t.name,
                "healthy": t.healthy,
                "problems": t.problems(),
                "trained": t.trained,
                "min_roster": t.min_roster,
                "max_load_ratio": t.max_load_ratio,
                "gini": t.gini,
                "max_on_call_share": t.max_on_call_share,
                "on_call_share": t.on_call_share,
                "coverage_gaps": [g.isoformat() for g in t.gaps],
                "uncovered_shifts": t.uncovered_shifts,
                "covered_until": t.covered_until.isoformat() if t.covered_until else None,
                "days_left": round(t.days_left, 2),
                "swaps_pending": t.swaps_pending,
                "trainees": [
                    {
                        "person": p.person,
                        "shadows": f"{p.shadows_done}/{p.shadows}",
                        "secondaries": f"{p.secondaries_done}/{p.secondaries}",
                        "next_step": p.next_step,
                        "next_shift": p.next_shift.isoformat() if p.next_shift else None,
                    }
                    for p in t.trainees
                ],
            }
            for t in o.teams
        ],
    }


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def health_table(orgs) -> str:
    """Render the readable report: per org a line, per team a row, then every problem."""
    header = ("team", "roster", "gaps", "days left", "max share", "max ratio", "Gini", "swaps")
    lines = []
    for o in orgs:
        plan = (
            f"published plan #{o.plan_id} ({o.plan_start} to {o.plan_end})"
            if o.plan_id is not None
            else "no published plan"
        )
        lines.append(
            f"{o.org}: {'healthy' if o.healthy else 'UNHEALTHY'}; {plan}; max load ratio "
            f"{_figure(o.max_load_ratio)}, Gini {_figure(o.gini)}"
        )
        rows = [header] + [
            (
                t.team,
                f"{t.trained}/{t.min_roster}",
                str(len(t.gaps)),
                f"{t.days_left:.1f}",
                f"{t.max_on_call_share:.0%}",
                _figure(t.max_load_ratio),
                _figure(t.gini),
                str(t.swaps_pending),
            )
            for t in o.teams
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        lines += [
            "  " + "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in rows
        ]
        for t in o.teams:
            for p in t.trainees:
                when = f" on {p.next_shift:%Y-%m-%d}" if p.next_shift else " (none scheduled)"
                step = "ready for primary" if p.next_step == "primary" else f"next {p.next_step}"
                lines.append(
                    f"  trainee {p.person} ({t.team}): shadows {p.shadows_done}/{p.shadows}, "
                    f"secondaries {p.secondaries_done}/{p.secondaries}, {step}"
                    + (when if p.next_step != "primary" else "")
                )
        lines += [f"  ! {problem}" for t in o.teams for problem in t.problems()]
        if not o.teams:
            lines.append("  (no active teams)")
    return "\n".join(lines)
