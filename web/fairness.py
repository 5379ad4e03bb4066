"""Fairness: per-person loads, fair shares and ratios, for a team or the org, with a chart."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, url_for

from scheduler.domain.model import PlanState
from scheduler.services import planning, training
from scheduler.store import PlanRow
from web import charts, inputs, viewer
from web.auth import login_required
from web.db import get_session

bp = Blueprint("fairness", __name__, url_prefix="/fairness")


@bp.route("/")
@bp.route("/<team_key>")
@login_required
def page(team_key: str | None = None):
    """Show the fairness table of the org or of one team, for a published plan."""
    team, plan = _team(team_key), _plan()
    if plan is None:
        return render_template("fairness.html", team=team, plan=None, rows=[], plans=[])
    report = planning.fairness_of(get_session(), plan.id)
    return render_template(
        "fairness.html",
        team=team,
        plan=plan,
        report=report,
        rows=_rows(report, team),
        training={
            key: found.sentence()
            for key, found in training.training_status(
                get_session(), plan.org_id, viewer.now()
            ).items()
        },
        plans=planning.published_plans(get_session(), plan.org_id),
        chart=url_for(
            "fairness.chart", plan=plan.id, **({"team": team.key} if team is not None else {})
        ),
    )


@bp.route("/chart.png")
@login_required
def chart():
    """Draw the fairness chart of the org or of a team (?team=) as a PNG."""
    team, plan = _team(request.args.get("team")), _plan()
    if plan is None:
        abort(404)
    rows = _rows(planning.fairness_of(get_session(), plan.id), team)
    title = f"{team.name if team else viewer.org().name}: plan from {plan.start}"
    png = charts.fairness_png([(r["name"], r["fairness"]) for r in rows], title)
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=60"})


def _team(key: str | None):
    if key is None:
        return None
    team = viewer.team_by_key(key)
    if team is None:
        abort(404)
    return team


def _plan() -> PlanRow | None:
    """Return the published plan named by ?plan=, else the one running now, else the latest."""
    org, session = viewer.org(), get_session()
    if org is None:
        return None
    plan_id = inputs.optional_id("args", "plan")
    if plan_id is not None:
        row = session.get(PlanRow, plan_id)
        if row is None or row.org_id != org.id or row.state != PlanState.PUBLISHED:
            abort(404)
        return row
    running = planning.plan_covering(session, org.id, viewer.now())
    if running is not None:
        return running
    published = planning.published_plans(session, org.id)
    return published[-1] if published else None


def _rows(report, team) -> list[dict]:
    """Return the report's people (of the team, if given), the most heavily loaded first."""
    org = viewer.org()
    people = {p.key: p for p in org.people}
    members = {m.person.key for m in team.memberships} if team is not None else None
    rows = [
        {"person": people[r.person], "name": people[r.person].name, "fairness": r}
        for r in report.people
        if r.person in people and (members is None or r.person in members)
    ]
    return sorted(rows, key=lambda r: -(r["fairness"].ratio or 0))
