"""Generate next quarter (managers): solve in the background, compare with the live plan."""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.exceptions import ServiceUnavailable

from scheduler.services import planning
from scheduler.store import PlanRow
from web import auth, inputs, viewer
from web.auth import login_required
from web.db import get_session
from web.jobs import Jobs
from web.queue_jobs import QueueJobs, QueueSettings, QueueUnavailable

bp = Blueprint("plans", __name__, url_prefix="/plans")

MAX_WEEKS = 26


@bp.record_once
def _jobs_registry(state) -> None:
    from web import instance_folder

    app = state.app
    if app.config.get("REDIS_URL"):
        settings = app.config.get("QUEUE_SETTINGS") or QueueSettings.from_environ()
        app.extensions["rota.jobs"] = QueueJobs(app.config["REDIS_URL"], settings)
        return
    directory = app.config.get("JOBS_DIR") or instance_folder(app) / "jobs"
    app.extensions["rota.jobs"] = Jobs(Path(directory))


def _jobs() -> Jobs | QueueJobs:
    return current_app.extensions["rota.jobs"]


@bp.errorhandler(QueueUnavailable)
def _queue_unavailable(error: QueueUnavailable):
    """Say the job queue is out of reach: a page, or JSON the progress page shows and retries."""
    message = (
        f"The planning queue cannot be reached: {str(error).rstrip('.')}. Queued plans go on "
        "(or are retried) once it is back."
    )
    if request.path.endswith(".json"):
        return jsonify(error="queue_unavailable", message=message), 503
    return render_template("error.html", error=ServiceUnavailable(description=message)), 503


@bp.before_request
def _managers_only():
    # Anonymous visitors get the sign-in redirect (or 401) from login_required on each view.
    if g.user is not None:
        auth.require_manager()


@bp.route("/")
@login_required
def index():
    """List the org's plan versions and offer to generate the next quarter."""
    org = _org()
    session = get_session()
    today = viewer.now().astimezone(viewer.zone()).date()
    plans = planning.plan_versions(session, org.id, limit=50)
    try:
        running = _jobs().running(org.id)
    except QueueUnavailable as err:  # the list still shows; generating says so again
        running = None
        flash(f"The planning queue cannot be reached: {err}", "error")
    return render_template(
        "plans/index.html",
        plans=plans,
        start=request.args.get("start") or planning.next_quarter_start(session, org.id, today),
        weeks=request.args.get("weeks", 13, type=int),
        max_weeks=MAX_WEEKS,
        running=running,
        time_limit=current_app.config["SOLVE_SECONDS"],
    )


@bp.route("/generate", methods=("POST",))
@login_required
def generate():
    """Start planning a horizon in the background and show its progress."""
    org = _org()
    start = inputs.day(request.form.get("start"), "start")
    try:
        weeks = int(request.form.get("weeks", "13"))
    except ValueError:
        abort(400, description="Give a start date like 2027-01-04 and a number of weeks.")
    if not 1 <= weeks <= MAX_WEEKS:
        abort(400, description=f"Plan between 1 and {MAX_WEEKS} weeks.")
    job = _jobs().start(current_app._get_current_object(), org.id, start, weeks, viewer.actor())
    return redirect(url_for("plans.job", job_id=job.id))


@bp.route("/jobs/<job_id>")
@login_required
def job(job_id: str):
    """Show a planning job's progress; once it has a draft, go to it."""
    found = _job(job_id)
    if found.done and found.plan_id is not None:
        return redirect(url_for("plans.plan", plan_id=found.plan_id))
    return render_template("plans/job.html", job=found)


@bp.route("/jobs/<job_id>.json")
@login_required
def job_status(job_id: str):
    """Report a planning job's progress as JSON (the progress page polls it)."""
    found = _job(job_id)
    status = found.status()
    if found.plan_id is not None:
        status["plan_url"] = url_for("plans.plan", plan_id=found.plan_id)
    return jsonify(status)


@bp.route("/<int:plan_id>")
@login_required
def plan(plan_id: int):
    """Show a plan version beside the live plan, with fairness figures and the lower bound."""
    org, session = _org(), get_session()
    row = session.get(PlanRow, plan_id)
    if row is None or row.org_id != org.id:
        abort(404)
    live = _live_plan(session, org.id, row)
    report = planning.fairness_of(session, row.id)
    live_report = planning.fairness_of(session, live.id) if live is not None else None
    return render_template(
        "plans/plan.html",
        plan=row,
        live=live,
        report=report,
        rows=sorted(report.people, key=lambda r: -(r.ratio or 0)),
        live_report=live_report,
        people={p.key: p for p in org.people},
        live_ratio={p.person: p.ratio for p in live_report.people} if live_report else {},
        changes=_changes(row, live if live is not None and live.start == row.start else None),
    )


@bp.route("/<int:plan_id>/publish", methods=("POST",))
@login_required
def publish(plan_id: int):
    """Publish a draft: it becomes the live plan and the one it replaces is superseded."""
    org, session = _org(), get_session()
    row = session.get(PlanRow, plan_id)
    if row is None or row.org_id != org.id:
        abort(404)
    try:
        planning.publish(session, row.id, viewer.actor(), viewer.now())
    except planning.PlanError as err:
        session.rollback()
        flash(str(err), "error")
    else:
        session.commit()
        flash(f"Plan v{row.version} from {row.start} is live; feeds show it now.", "ok")
    return redirect(url_for("plans.plan", plan_id=plan_id))


def _org():
    org = viewer.org()
    if org is None:
        abort(404, description="No org has been imported yet: run `rota import FILE.yaml`.")
    return org


def _job(job_id: str):
    found = _jobs().get(job_id)
    if found is None or found.org_id != _org().id:
        abort(404, description="No such planning job here (the server may have restarted).")
    return found


def _live_plan(session, org_id: int, row: PlanRow) -> PlanRow | None:
    """Return the published plan to compare with: same horizon start, else the one running now."""
    published = [p for p in planning.published_plans(session, org_id) if p.id != row.id]
    same = [p for p in published if p.start == row.start]
    if same:
        return same[-1]
    running = planning.plan_covering(session, org_id, viewer.now())
    return running if running is not None and running.id != row.id else None


def _changes(row: PlanRow, live: PlanRow | None) -> list[dict]:
    """Line up the plan's assignments with the live plan's for the same team, start and role."""
    before = {(a.team_id, a.start, a.role): a for a in live.assignments} if live else {}
    lines = []
    for a in sorted(row.assignments, key=lambda a: (a.team.name, a.start, a.role)):
        old = before.get((a.team_id, a.start, a.role))
        lines.append(
            {"new": a, "old": old, "changed": old is not None and old.person_id != a.person_id}
        )
    return lines
