"""Leave: engineers enter their own, managers their team's; clashes with published shifts show."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from scheduler.services import leave as leave_service
from scheduler.services import queries
from scheduler.store import PersonRow, TimeOffRow
from web import inputs, viewer
from web.auth import login_required
from web.db import get_session

bp = Blueprint("leave", __name__)


@bp.route("/leave")
@login_required
def index():
    """List upcoming leave I may see and change, each with the published shifts it hits."""
    return _page()


def _page(form: dict[str, str] | None = None, status: int = 200):
    """Render the leave page; `form` refills the form with what was typed (after an error)."""
    session, now = get_session(), viewer.now()
    people = viewer.people_in_reach()
    entries = queries.time_off(session, people, start=now, kinds=leave_service.KINDS)
    rows = [
        {
            "entry": entry,
            "conflicts": [
                a
                for a in leave_service.conflicts(session, entry.person_id, entry.start, entry.end)
                if a.end > now
            ]
            if entry.kind == "leave"
            else [],
        }
        for entry in entries
    ]
    return render_template(
        "leave.html",
        rows=rows,
        people=sorted(people.values(), key=lambda p: p.name.lower()),
        me=viewer.person_id(),
        kinds=leave_service.KINDS,
        form=form or {},
    ), status


@bp.route("/leave", methods=("POST",))
@login_required
def create():
    """Record leave for myself, or for a member of a team I manage."""
    person = _person_in_reach(inputs.optional_id("form", "person_id"))
    try:
        first = date.fromisoformat(request.form.get("first", ""))
        last = date.fromisoformat(request.form.get("last") or request.form.get("first", ""))
        start, end = leave_service.whole_days(first, last, person.timezone)
        entry = leave_service.add_leave(
            get_session(),
            person.id,
            start,
            end,
            kind=request.form.get("kind", "leave"),
            note=request.form.get("note", "").strip()[:500],
            source="web",
            actor=viewer.actor(),
            now=viewer.now(),
        )
    except ValueError as err:  # a bad date, or the service's LeaveError
        get_session().rollback()
        flash(f"Leave not recorded: {err}", "error")
        # The page again, with what was typed still in the form.
        typed = {k: request.form.get(k, "") for k in ("person_id", "first", "last", "kind", "note")}
        return _page(typed, 400)
    get_session().commit()
    hits = leave_service.conflicts(get_session(), person.id, entry.start, entry.end)
    if entry.kind == "leave" and any(a.end > viewer.now() for a in hits):
        flash(
            f"Recorded, but {person.name} is on call during this leave: offer those shifts "
            "or re-plan (see below).",
            "warning",
        )
    else:
        flash("Leave recorded.", "ok")
    return redirect(url_for("leave.index", _anchor=f"leave-{entry.id}"))


@bp.route("/leave/<int:leave_id>/delete", methods=("POST",))
@login_required
def delete(leave_id: int):
    """Delete leave I may change."""
    session = get_session()
    entry = session.get(TimeOffRow, leave_id)
    if entry is None:
        abort(404)
    _person_in_reach(entry.person_id)
    leave_service.remove_leave(session, entry.id, actor=viewer.actor(), now=viewer.now())
    session.commit()
    flash("Leave deleted.", "ok")
    return redirect(url_for("leave.index"))


def _person_in_reach(person_id: int | None) -> PersonRow:
    """Return the person when I may enter their leave; else 403 (404 when there is none)."""
    org = viewer.org()
    person = get_session().get(PersonRow, person_id) if person_id else None
    if person is None or org is None or person.org_id != org.id:
        abort(404)
    if person.id not in viewer.people_in_reach():
        abort(403)
    return person
