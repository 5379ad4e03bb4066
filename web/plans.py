"""Generate next quarter (managers): solve in the background, compare with the live plan."""

from __future__ import annotations

from datetime import timedelta
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

from scheduler.domain.orgvalues import LAST_DAY
from scheduler.services import comparison, departures, planning, rights
from scheduler.store import PlanRow
from web import auth, errors, inputs, viewer
from web.auth import login_required
from web.db import get_session
from web.jobs import Jobs
from web.queue_jobs import QueueJobs, QueueSettings, QueueUnavailable

bp = Blueprint("plans", __name__, url_prefix="/plans")

MAX_WEEKS = 26
# Versions listed, latest first: each one's figures are measured on its assignments per view.
LISTED = 12


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
    return errors.error_page(ServiceUnavailable(description=message))


@bp.before_request
def _managers_only():
    # Anonymous visitors get the sign-in redirect (or 401) from login_required on each view.
    if g.user is not None and not auth.may_plan():
        abort(403)


@bp.route("/")
@login_required
def index():
    """List the org's plan versions and offer to generate the next quarter."""
    org = _org()
    session = get_session()
    today = viewer.now().astimezone(viewer.zone()).date()
    plans = planning.plan_versions(session, org.id, limit=LISTED)
    uncovered = departures.uncovered_shifts(session, org.id, viewer.now())
    # With shifts uncovered, the form offers to re-plan the first live plan that has them.
    start = uncovered[0].replan_start if uncovered else None
    weeks = uncovered[0].replan_weeks if uncovered else 13
    try:
        running = _jobs().running(org.id)
    except QueueUnavailable as err:  # the list still shows; generating says so again
        running = None
        flash(f"The planning queue cannot be reached: {err}", "error")
    return render_template(
        "plans/index.html",
        plans=plans,
        ratios={p.id: planning.fairness_of(session, p.id).max_load_ratio for p in plans},
        uncovered=uncovered,
        start=request.args.get("start")
        or start
        or planning.next_quarter_start(session, org.id, today),
        weeks=request.args.get("weeks", weeks, type=int),
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
    if start + timedelta(weeks=weeks) > LAST_DAY + timedelta(days=1):
        abort(
            400,
            description=f"{weeks} weeks from {start} run past the last supported day {LAST_DAY}: "
            "start earlier or plan fewer weeks.",
        )
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
    """Show a plan version beside the live plan: what publishing it changes, the week grid,
    and the fairness figures of both, measured on their current assignments."""
    org, session = _org(), get_session()
    row = session.get(PlanRow, plan_id)
    if row is None or row.org_id != org.id:
        abort(404)
    live = _live_plan(session, org.id, row)
    report = planning.fairness_of(session, row.id)
    live_report = planning.fairness_of(session, live.id) if live is not None else None
    same = live if live is not None and live.start == row.start else None
    return render_template(
        "plans/plan.html",
        plan=row,
        uncovered=departures.uncovered_shifts(session, org.id, viewer.now()),
        running=_jobs().running(org.id),
        live=live,
        compared=same is not None,
        report=report,
        rows=sorted(report.people, key=lambda r: -(r.ratio or 0)),
        live_report=live_report,
        people={p.key: p for p in org.people},
        live_ratio={p.person: p.ratio for p in live_report.people} if live_report else {},
        comparison=comparison.compare(session, row, same),
        refusal=rights.refusal(session, g.user, row) if row.state == planning.DRAFT else None,
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
        planning.publish(session, row.id, viewer.actor(), viewer.now(), user=g.user)
    except (planning.PlanError, rights.NotAllowed) as err:
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
