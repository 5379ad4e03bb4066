"""My shifts (with my load, fair share and ratio) and one shift's page: offer it, or trade it."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from scheduler.domain.model import SwapStatus
from scheduler.services import overrides, planning, queries, swaps, training
from scheduler.store import AssignmentRow, PersonRow
from web import inputs, viewer
from web import overrides as override_forms
from web.auth import login_required
from web.db import get_session

bp = Blueprint("shifts", __name__)


@bp.route("/me/shifts")
@login_required
def mine():
    """List my upcoming shifts with my load, fair share and ratio."""
    org, me = viewer.org(), viewer.person()
    if org is None or me is None:
        return render_template("shifts/mine.html", me=None, shifts=[], fairness=[])
    session, now = get_session(), viewer.now()
    upcoming = queries.published_shifts(session, org.id, person_id=me.id, start=now)
    plans = {a.plan_id: a.plan for a in upcoming}
    running = planning.plan_covering(session, org.id, now)
    if running is not None:
        plans.setdefault(running.id, running)
    fairness = []
    for plan in sorted(plans.values(), key=lambda p: p.start):
        report = planning.fairness_of(session, plan.id)
        row = next((p for p in report.people if p.person == me.key), None)
        fairness.append({"plan": plan, "me": row, "max_ratio": report.max_load_ratio})
    return render_template(
        "shifts/mine.html",
        me=me,
        shifts=upcoming,
        fairness=fairness,
        training=training.training_status(session, org.id, now).get(me.key),
        covering=overrides.covers_of_rows(session, me.id, now),
        incoming=sum(
            s.from_person_id != me.id and s.status == SwapStatus.OPEN
            for s in swaps.open_swaps_for(session, me.id, now)
        ),
    )


@bp.route("/shifts/<int:assignment_id>")
@login_required
def shift(assignment_id: int):
    """Show a shift; its holder sees who could take it and the fairness effect of a swap."""
    session, org, now = get_session(), viewer.org(), viewer.now()
    row = session.get(AssignmentRow, assignment_id)
    if row is None or org is None or row.plan.org_id != org.id:
        abort(404)
    me = viewer.person_id()
    can_swap = swaps.can_offer(row, me, now)
    context = {"shift": row, "can_swap": can_swap, "preview": None}
    context.update(override_forms.shift_context(session, row, now))
    if can_swap:
        takers = swaps.suggest_takers(session, row.id, limit=None)
        context.update(
            suggestions=takers[:5],
            takers=sorted(takers, key=lambda s: s.name.lower()),
            trades=swaps.tradable(session, row.id, now),
        )
        context["preview"] = _preview(session, row)
    return render_template("shifts/shift.html", **context)


def _preview(session, row: AssignmentRow):
    """Preview the swap named by ?to= (a teammate) or ?other= (a shift to trade for)."""
    other_id = inputs.optional_id("args", "other")
    to_id = inputs.optional_id("args", "to")
    other = session.get(AssignmentRow, other_id) if other_id else None
    if other is not None:
        if other.team.org_id != row.team.org_id:
            abort(404)
        to_id = other.person_id
    if to_id is None:
        return None
    taker = session.get(PersonRow, to_id)
    if taker is None or taker.org_id != row.team.org_id:
        abort(404)
    try:
        result = swaps.preview(session, row.id, to_id, other.id if other is not None else None)
    except swaps.SwapRefused as refused:
        return {"taker": taker, "other": other, "result": None, "refused": str(refused)}
    return {"taker": taker, "other": other, "result": result, "refused": None}
