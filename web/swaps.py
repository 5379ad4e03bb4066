"""Swaps: offers and trades addressed to me or open in my team, and every answer to them."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from scheduler.domain.model import SwapStatus
from scheduler.domain.text import plural
from scheduler.services import overrides, swaps
from scheduler.store import AssignmentRow, SwapRow
from web import auth, inputs, viewer
from web.auth import login_required
from web.db import get_session

bp = Blueprint("swaps", __name__)


@bp.route("/swaps")
@login_required
def index():
    """List swaps for me to answer, my own pending ones, and those awaiting my approval."""
    session, me, now = get_session(), viewer.person_id(), viewer.now()
    pending = swaps.open_swaps_for(session, me, now) if me is not None else []
    incoming = [
        {"swap": s, "preview": _preview(s, me)}
        for s in pending
        if s.from_person_id != me and s.status == SwapStatus.OPEN
    ]
    return render_template(
        "swaps/index.html",
        incoming=incoming,
        outgoing=[s for s in pending if s.from_person_id == me],
        accepted=[s for s in pending if s.accepted_by_id == me and s.from_person_id != me],
        awaiting=swaps.awaiting_approval_for(session, g.user.id) if auth.is_manager() else [],
        overrides=overrides.pending_for(session, me, g.user.id if auth.is_manager() else None),
    )


def _preview(swap: SwapRow, me: int) -> swaps.SwapPreview | None:
    """Preview me taking the swap (None when it cannot even be judged, e.g. a person left)."""
    try:
        return swaps.preview(get_session(), swap.assignment_id, me, swap.other_assignment_id)
    except swaps.SwapRefused:
        return None


@bp.route("/shifts/<int:assignment_id>/offer", methods=("POST",))
@login_required
def offer(assignment_id: int):
    """Offer my shift to a named teammate, or to anyone eligible."""
    me = auth.require_person()
    row = org_shift(assignment_id)
    if row is None:
        abort(404)
    to = inputs.optional_id("form", "to_person_id")  # empty: anyone eligible
    return attempt(
        lambda: swaps.offer(get_session(), row.id, me, to, viewer.now()),
        "Offer made.",
        url_for("shifts.shift", assignment_id=row.id),
        # Refused: the shift's page again, the teammate still chosen and the swap previewed.
        url_for("shifts.shift", assignment_id=row.id, to=to) if to else None,
    )


@bp.route("/shifts/<int:assignment_id>/trade", methods=("POST",))
@login_required
def trade(assignment_id: int):
    """Propose to trade my shift for a teammate's."""
    me = auth.require_person()
    row, other = (
        org_shift(assignment_id),
        org_shift(inputs.optional_id("form", "other_assignment_id")),
    )
    if row is None:
        abort(404)
    if other is None:
        abort(400, description="Choose a shift to trade for.")
    return attempt(
        lambda: swaps.propose_trade(get_session(), row.id, other.id, me, viewer.now()),
        "Trade proposed.",
        url_for("shifts.shift", assignment_id=row.id),
        url_for("shifts.shift", assignment_id=row.id, other=other.id),
    )


@bp.route("/swaps/<int:swap_id>/accept", methods=("POST",))
@login_required
def accept(swap_id: int):
    """Accept a swap addressed to me or open in my team."""
    me = auth.require_person()
    swap = _swap(swap_id)
    return attempt(lambda: swaps.accept(get_session(), swap.id, me, viewer.now()), _accepted)


def _accepted(swap: SwapRow) -> str:
    """Say what accepting did: the swap is done, or waits for a manager (and why)."""
    if swap.status != SwapStatus.AWAITING_APPROVAL:
        return "Swap accepted."
    if swap.guard_reason:
        return f"Accepted; it now waits for a manager's approval, because {swap.guard_reason}."
    return "Accepted; it now waits for a manager's approval."


@bp.route("/swaps/<int:swap_id>/decline", methods=("POST",))
@login_required
def decline(swap_id: int):
    """Decline a swap addressed to me."""
    me = auth.require_person()
    swap = _swap(swap_id)
    return attempt(
        lambda: swaps.decline(get_session(), swap.id, me, viewer.now()), "Swap declined."
    )


@bp.route("/swaps/<int:swap_id>/cancel", methods=("POST",))
@login_required
def cancel(swap_id: int):
    """Withdraw my own offer or trade."""
    me = auth.require_person()
    swap = _swap(swap_id)
    return attempt(
        lambda: swaps.cancel(get_session(), swap.id, me, viewer.now()), "Swap withdrawn."
    )


@bp.route("/swaps/<int:swap_id>/approve", methods=("POST",))
@login_required
def approve(swap_id: int):
    """Approve a swap in a team I manage."""
    swap = _swap(swap_id)
    return attempt(
        lambda: swaps.approve(get_session(), swap.id, g.user.id, viewer.now()),
        "Swap approved.",
    )


@bp.route("/swaps/<int:swap_id>/refuse", methods=("POST",))
@login_required
def refuse(swap_id: int):
    """Refuse a swap in a team I manage."""
    swap = _swap(swap_id)
    return attempt(
        lambda: swaps.refuse(get_session(), swap.id, g.user.id, viewer.now()),
        "Swap refused.",
    )


def _swap(swap_id: int) -> SwapRow:
    """Return the swap of the viewer's org with this id; else 404."""
    swap = get_session().get(SwapRow, swap_id)
    org = viewer.org()
    if swap is None or org is None or swap.assignment.team.org_id != org.id:
        abort(404)
    return swap


def org_shift(assignment_id: int | None) -> AssignmentRow | None:
    """Return the shift of the viewer's org with this id, or None."""
    row = get_session().get(AssignmentRow, assignment_id) if assignment_id else None
    org = viewer.org()
    return row if row is not None and org is not None and row.team.org_id == org.id else None


def attempt(
    action: Callable[[], object],
    done: str | Callable[[object], str],
    back: str | None = None,
    retry: str | None = None,
):
    """Run a swap service and commit; a refusal is shown with its reason and changes nothing.

    `done` is the message on success, or makes it from what the service returned. A refusal
    for broken rules shows one line per rule, on `retry` (a page that keeps what was chosen)
    when given, else on `back`. What is not the user's to do answers 403, a
    swap, shift or person that is not there 404.
    """
    session = get_session()
    try:
        result = action()
        message = done(result) if callable(done) else done
        session.commit()
    except swaps.SwapForbidden:
        session.rollback()
        abort(403)
    except swaps.SwapNotFound:
        session.rollback()
        abort(404)
    except swaps.SwapRefused as refused:
        session.rollback()
        if refused.violations:
            lines = refused.lines
            flash([f"Not done: it would break {plural(len(lines), 'rule')}.", *lines], "error")
        else:
            flash(f"Not done: {refused}", "error")
        back = retry or back
    else:
        flash(message, "ok")
    return redirect(back or auth.safe_next(request.form.get("back"), url_for("swaps.index")))
