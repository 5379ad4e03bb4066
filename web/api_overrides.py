"""The override endpoints of the JSON API (docs/rules.md#overrides), on the API's blueprint.

`POST /overrides` asks someone to cover part of my shift (`cover` given, I hold it), assigns a
cover as a manager (`cover` given, I do not hold it), or offers to cover myself (no `cover`).
Without `start`, the cover starts now rounded up to the next quarter hour; without `end`, it
runs to the shift's end: "the rest of this shift".
"""

from __future__ import annotations

from flask import g, jsonify, request

from scheduler.domain.model import SwapStatus
from scheduler.domain.overrides import rest_of_shift
from scheduler.services import accounts, overrides
from scheduler.store import OverrideRow, assignment_from_row
from web import api_io as io
from web import viewer
from web.api import MAX_LIST, _attempt, _body, _org, _person, _require_person, _shift, bp
from web.api_io import bad, forbidden, not_found
from web.db import get_session


@bp.get("/overrides")
def list_overrides():
    """List overrides of shifts I hold or cover, or of teams I manage."""
    status = request.args.get("status")
    if status is not None and status not in tuple(SwapStatus):
        raise bad("status", "status must be one of " + ", ".join(SwapStatus))
    managed = [t.id for t in viewer.teams() if accounts.manages(g.user, t.id)]
    rows = overrides.visible_overrides(
        get_session(), _org().id, viewer.person_id(), managed, status=status, limit=MAX_LIST
    )
    return jsonify({"overrides": [io.override(o) for o in rows]})


@bp.post("/overrides")
def create_override():
    """Ask for, offer or assign a cover of part of a shift; a broken rule answers 409."""
    data = io.json_object(_body(), allowed=("shift", "start", "end", "cover"), required=("shift",))
    row = _shift(io.id_field(data, "shift"), "shift")
    cover_key = io.text_field(data, "cover", 64)
    session, now, me = get_session(), viewer.now(), viewer.person_id()
    start, end = _range(data, row, now)
    if cover_key is None:
        me = _require_person()
        created = _attempt(lambda: overrides.offer_cover(session, row.id, me, start, end, now))
    else:
        cover = _person(cover_key, "cover").id
        if me is not None and row.person_id == me:
            made = overrides.request_cover
            created = _attempt(lambda: made(session, row.id, me, cover, start, end, now))
        elif accounts.manages(g.user, row.team_id):
            made = overrides.assign_cover
            created = _attempt(lambda: made(session, row.id, g.user.id, cover, start, end, now))
        else:
            raise forbidden("only the shift's holder asks for a cover; a manager assigns one")
    return jsonify(io.override(created)), 201


def _range(data: dict, row, now):
    """Read `start` and `end` (RFC 3339), defaulting to the rest of the shift."""
    text_start, text_end = data.get("start"), data.get("end")
    for field, value in (("start", text_start), ("end", text_end)):
        if value is not None and not isinstance(value, str):
            raise bad(field, f"{field} must be an RFC 3339 date-time")
    try:
        rest = rest_of_shift(assignment_from_row(row), now)
    except ValueError as error:
        rest = None
        if text_start is None:
            raise bad("start", f"start is required: {error}") from None
    start = io.instant(text_start, "start") if text_start is not None else rest[0]
    end = io.instant(text_end, "end") if text_end is not None else row.end
    return start, end


def _answer(override_id: int, service, as_manager: bool = False):
    row = get_session().get(OverrideRow, override_id) if override_id <= io.MAX_ID else None
    if row is None or row.assignment.team.org_id != _org().id:
        raise not_found(f"there is no override #{override_id}", "override_id")
    session, now = get_session(), viewer.now()
    actor = g.user.id if as_manager else _require_person()
    return jsonify(io.override(_attempt(lambda: service(session, row.id, actor, now))))


@bp.post("/overrides/<int:override_id>/accept")
def accept_override(override_id: int):
    """Accept an override asked of me: it applies, or awaits a manager's approval."""
    return _answer(override_id, overrides.accept)


@bp.post("/overrides/<int:override_id>/decline")
def decline_override(override_id: int):
    """Decline an override asked of me."""
    return _answer(override_id, overrides.decline)


@bp.post("/overrides/<int:override_id>/cancel")
def cancel_override(override_id: int):
    """Withdraw my own pending override."""
    return _answer(override_id, overrides.cancel)


@bp.post("/overrides/<int:override_id>/approve")
def approve_override(override_id: int):
    """Approve an override awaiting approval, as a manager of its team."""
    return _answer(override_id, overrides.approve, as_manager=True)


@bp.post("/overrides/<int:override_id>/refuse")
def refuse_override(override_id: int):
    """Refuse a pending override, as a manager of its team."""
    return _answer(override_id, overrides.refuse, as_manager=True)
