"""Overrides on the web: cover part of a shift (ask, offer, assign) and answer covers.

The form on a shift's page takes a range on the team's clock at minute resolution and a cover
from the people who pass the rulebook for those hours (docs/rules.md#overrides).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, g, request, url_for

from scheduler.domain.orgvalues import FIRST_DAY, LAST_DAY
from scheduler.domain.overrides import rest_of_shift
from scheduler.services import overrides, swaps
from scheduler.store import OverrideRow, assignment_from_row
from web import auth, viewer
from web.auth import login_required
from web.db import get_session
from web.swaps import attempt, org_shift

bp = Blueprint("overrides", __name__)

LOCAL_MINUTE = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


def parse_local(text: str | None, field: str, zone: ZoneInfo) -> datetime:
    """Read a team-local 'YYYY-MM-DDTHH:MM' as an aware datetime (UTC).

    Raises SwapRefused naming the field when it is missing, not such a time, or outside the
    supported years (docs/org-file.md#limits).
    """
    try:
        local = datetime.strptime((text or "").strip(), LOCAL_MINUTE)
    except ValueError:
        raise swaps.SwapRefused(
            f"{field.capitalize()} must be a local time like 2027-01-12T18:00 ({zone.key})."
        ) from None
    if not FIRST_DAY <= local.date() <= LAST_DAY:
        raise swaps.SwapRefused(
            f"{field.capitalize()} must be between {FIRST_DAY} and {LAST_DAY} ({zone.key})."
        )
    return local.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))


def shift_context(session, row, now: datetime) -> dict:
    """What a shift's page shows of overrides: the covers, the pending ones, and the form.

    The form's range comes from ?from= and ?until= (team-local), else the first stretch of the
    rest of the shift that nobody covers yet;
    `takers` are the people who could cover it without breaking a rule; `guard` maps each
    taker's id to what their covering does to the team's max load ratio (the fairness guard).
    """
    zone = ZoneInfo(row.team.timezone)
    me = viewer.person_id()
    covers = [o for o in row.overrides if o.status == "accepted"]
    pending = [o for o in row.overrides if o.status in ("open", "awaiting_approval")]
    context = {"covers": covers, "pending_overrides": pending, "override_form": None}
    if row.plan.state != "published" or row.end <= now:
        return context
    member = me is not None and any(m.person_id == me for m in row.team.memberships)
    manager = auth.can_manage(row.team_id)
    if not (member or manager):
        return context
    try:
        start, end = first_free(rest_of_shift(assignment_from_row(row), now), covers)
        if request.args.get("from"):
            start = parse_local(request.args.get("from"), "from", zone)
        if request.args.get("until"):
            end = parse_local(request.args.get("until"), "until", zone)
    except (ValueError, swaps.SwapRefused) as error:
        context["override_form"] = {"error": str(error)}
        return context
    form = {
        "start": start.astimezone(zone).strftime(LOCAL_MINUTE),
        "end": end.astimezone(zone).strftime(LOCAL_MINUTE),
        "zone": zone.key,
        "holder": row.person_id == me,
        "manager": manager,
        "member": member and row.person_id != me,
        "takers": [],
        "guard": {},
        "guard_held": [],
        "error": None,
    }
    try:
        overrides.check_fits(session, row, start, end, now)
        form["takers"] = overrides.eligible_covers(session, row, start, end)
        form["guard"] = overrides.guard_covers(session, row, start, end, form["takers"])
        form["guard_held"] = [i for i, verdict in form["guard"].items() if verdict.held]
    except swaps.SwapRefused as refused:
        form["error"] = str(refused)
    context["override_form"] = form
    return context


def first_free(span: tuple[datetime, datetime], covers) -> tuple[datetime, datetime]:
    """Return the first part of `span` (UTC start, end) outside the accepted `covers`
    (OverrideRows); `span` itself when it is all covered (the form then says why not)."""
    start, end = span
    for cover in sorted(covers, key=lambda o: o.start):
        if cover.start <= start < cover.end:
            start = cover.end
        elif start < cover.start < end:
            end = cover.start
            break
    return (start, end) if start < end else span


@bp.route("/shifts/<int:assignment_id>/override", methods=("POST",))
@login_required
def create(assignment_id: int):
    """Ask someone to cover part of my shift, offer to cover part of a teammate's, or (as a
    manager) assign a cover."""
    row = org_shift(assignment_id)
    if row is None:
        abort(404)
    zone, back = ZoneInfo(row.team.timezone), url_for("shifts.shift", assignment_id=row.id)
    how = request.form.get("how", "")
    cover = request.form.get("cover_person_id", "").strip()
    session, now, me = get_session(), viewer.now(), viewer.person_id()

    def run():
        start = parse_local(request.form.get("start"), "start", zone)
        end = parse_local(request.form.get("end"), "end", zone)
        if how == "offer":
            return overrides.offer_cover(session, row.id, auth.require_person(), start, end, now)
        if not cover.isdigit() or not 1 <= int(cover) <= 2**31 - 1:
            raise swaps.SwapRefused("Choose who covers these hours.")
        if how == "assign":
            if not auth.can_manage(row.team_id):
                abort(403)
            return overrides.assign_cover(session, row.id, g.user.id, int(cover), start, end, now)
        if how == "request":
            if me is None:
                abort(403)
            return overrides.request_cover(session, row.id, me, int(cover), start, end, now)
        abort(400, description="how must be request, offer or assign.")

    done = {"offer": "Offer to cover made.", "assign": "Cover assigned."}.get(how, "Cover asked.")
    return attempt(run, done, back)


def _override(override_id: int) -> OverrideRow:
    """Return the override of the viewer's org with this id; else 404."""
    row = get_session().get(OverrideRow, override_id)
    org = viewer.org()
    if row is None or org is None or row.assignment.team.org_id != org.id:
        abort(404)
    return row


@bp.route("/overrides/<int:override_id>/<any(accept,decline,cancel):answer>", methods=("POST",))
@login_required
def answer(override_id: int, answer: str):
    """Accept, decline or withdraw an override asked of me or made by me."""
    me = auth.require_person()
    row = _override(override_id)
    service = {"accept": overrides.accept, "decline": overrides.decline, "cancel": overrides.cancel}
    done = {"accept": _accepted, "decline": "Cover declined.", "cancel": "Withdrawn."}
    return attempt(lambda: service[answer](get_session(), row.id, me, viewer.now()), done[answer])


def _accepted(row: OverrideRow) -> str:
    """Say what accepting did: the cover applies, or waits for a manager (and why)."""
    if row.status != "awaiting_approval":
        return "Cover accepted."
    if row.guard_reason:
        return f"Accepted; it now waits for a manager's approval, because {row.guard_reason}."
    return "Accepted; it now waits for a manager's approval."


@bp.route("/overrides/<int:override_id>/<any(approve,refuse):decision>", methods=("POST",))
@login_required
def decide(override_id: int, decision: str):
    """Approve or refuse an override in a team I manage."""
    row = _override(override_id)
    service = overrides.approve if decision == "approve" else overrides.refuse
    return attempt(
        lambda: service(get_session(), row.id, g.user.id, viewer.now()), f"Cover {decision}d."
    )
