"""The JSON API under /api/v1: who is on call, shifts, leave and swaps, for scripts and pagers.

Every request but the OpenAPI document carries a user's API token (`Authorization: Bearer
<token>`); cookies are ignored, which is also why the blueprint needs no CSRF token. Every
answer is JSON, errors included: `{"error": code, "message": text, "field": name}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from flask import Blueprint, Response, g, jsonify, request

from scheduler.domain.model import SwapStatus
from scheduler.services import accounts, oncall, queries, swaps
from scheduler.services import leave as leave_service
from scheduler.services.oncall import OnCall
from scheduler.store import AssignmentRow, PersonRow, SwapRow, TeamRow, UserRow
from web import api_io as io
from web import api_schema, viewer
from web.api_io import ApiError, bad, forbidden, not_found
from web.db import get_session

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC = ("api.openapi",)
MAX_LIST = 500


# --- authentication and errors -------------------------------------------------------------


@bp.before_request
def authenticate() -> None:
    """Identify the user by their bearer token; the session cookie counts for nothing here."""
    g.user = None
    g.pop("org", None)
    if request.endpoint in PUBLIC:
        return
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    row = None
    if scheme.lower() == "bearer" and token.strip():
        row = accounts.lookup_token(get_session(), "api", token.strip())
    user = get_session().get(UserRow, row.user_id) if row and row.user_id else None
    if user is None or not user.active:
        raise ApiError(401, "unauthorized", "send a valid API token: Authorization: Bearer <token>")
    g.user = user


@bp.before_request
def known_query() -> None:
    """Refuse a query parameter the operation does not document (web/api_schema.py): a typo
    such as `?frm=` would otherwise be ignored and answer a different question."""
    if request.url_rule is None:
        return
    rule = request.url_rule.rule.removeprefix(bp.url_prefix or "")
    path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule)
    operation = api_schema.PATHS.get(path, {}).get(request.method.lower())
    if operation is None:
        return
    known = sorted(p["name"] for p in operation.get("parameters", ()) if p["in"] == "query")
    unknown = sorted(set(request.args) - set(known))
    if unknown:
        name = unknown[0][:100]
        expected = f"expected one of: {', '.join(known)}" if known else "it takes none"
        raise bad(name, f"unknown query parameter {name!r}; {expected}")


@bp.errorhandler(ApiError)
def api_error(error: ApiError) -> tuple[Response, int]:
    """Answer an ApiError as JSON with its status; nothing of the request is committed."""
    get_session().rollback()
    response = jsonify(error.body())
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="rota"'
    return response, error.status


# --- the document --------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi() -> Response:
    """Describe this API (OpenAPI 3.0)."""
    return jsonify(api_schema.document(request.host_url.rstrip("/") + bp.url_prefix))


# --- on call -------------------------------------------------------------------------------


@bp.get("/oncall")
def oncall_now():
    """List who is on call in every team at `at` (default: now)."""
    at = _at()
    org = _org()
    crews = _by_team(oncall.on_call(get_session(), org.id, at))
    teams = [_crew(t, crews.get(t.key, [])) for t in viewer.teams()]
    return jsonify({"at": io.moment(at), "teams": teams})


@bp.get("/oncall/service/<service>")
def oncall_for_service(service: str):
    """Tell who to page for a service: its team's crew at `at` (default: now) and runbook."""
    at = _at()
    team = next((t for t in viewer.teams() if service in (t.services or ())), None)
    if team is None:
        raise not_found(f"no team owns the service {service[:100]!r}", "service")
    crews = _by_team(oncall.on_call(get_session(), _org().id, at))
    return jsonify(
        {"at": io.moment(at), "service": service, **_crew(team, crews.get(team.key, []))}
    )


def _at() -> datetime:
    text = request.args.get("at")
    return viewer.now() if text is None else io.instant(text, "at")


def _by_team(entries: Iterable[OnCall]) -> dict[str, list[OnCall]]:
    grouped: dict[str, list[OnCall]] = {}
    for entry in entries:
        grouped.setdefault(entry.team_key, []).append(entry)
    return grouped


def _crew(team: TeamRow, entries: list[OnCall]) -> dict:
    return {
        "team": io.team_ref(team),
        "oncall": [
            {
                "role": e.role,
                "person": {"key": e.person_key, "name": e.person_name},
                "start": io.moment(e.start),
                "end": io.moment(e.end),
            }
            for e in entries
        ],
    }


# --- shifts --------------------------------------------------------------------------------


@bp.get("/teams/<key>/shifts")
def team_shifts(key: str):
    """List a team's published shifts overlapping `[from, to)` (default: from now on)."""
    team = viewer.team_by_key(key)
    if team is None:
        raise not_found(f"there is no team {key[:100]!r}", "key")
    return _shifts({"team": io.team_ref(team)}, team_id=team.id)


@bp.get("/people/<key>/shifts")
def person_shifts(key: str):
    """List a person's published shifts, across teams, overlapping `[from, to)`."""
    person = _person(key, "key")
    return _shifts({"person": io.person_ref(person)}, person_id=person.id)


def _shifts(subject: dict, **who) -> Response:
    start, end = _range()
    rows = queries.published_shifts(get_session(), _org().id, start=start, end=end, **who)
    return jsonify(
        {
            **subject,
            "from": io.moment(start),
            "to": io.moment(end),
            "shifts": [io.shift(r) for r in rows[:MAX_LIST]],
            "truncated": len(rows) > MAX_LIST,
        }
    )


def _range() -> tuple[datetime, datetime | None]:
    start = io.optional_instant(request.args.get("from"), "from") or viewer.now()
    end = io.optional_instant(request.args.get("to"), "to")
    if end is not None and end <= start:
        raise bad("to", "to must come after from")
    return start, end


# --- leave ---------------------------------------------------------------------------------


@bp.get("/leave")
def list_leave():
    """List leave of the people I may see (myself, and my teams' members if I manage them)."""
    reach = viewer.people_in_reach()
    key = request.args.get("person")
    if key is not None:
        person = _person(key, "person")
        if person.id not in reach:
            raise forbidden("you may only see your own leave and that of teams you manage")
        reach = {person.id: person}
    kind = io.choice(request.args.get("kind"), "kind", leave_service.KINDS, "leave")
    start, end = _range()
    rows = queries.time_off(get_session(), reach, start=start, end=end, kinds=(kind,))
    return jsonify({"leave": [io.leave(r) for r in rows[:MAX_LIST]]})


@bp.post("/leave")
def create_leave():
    """Record leave for myself, or for a member of a team I manage; say which shifts it hits."""
    data = io.json_object(
        _body(),
        allowed=("person", "start", "end", "kind", "note"),
        required=("start", "end"),
    )
    key = io.text_field(data, "person", 64)
    me = viewer.person()
    if key is None and me is None:
        raise bad("person", "person is required: this API token's user has no person")
    person = _person(key, "person") if key is not None else me
    if person.id not in viewer.people_in_reach():
        raise forbidden("you may only enter your own leave and that of teams you manage")
    start = io.instant(io.text_field(data, "start", 40), "start", person.timezone)
    end = io.instant(io.text_field(data, "end", 40), "end", person.timezone, is_end=True)
    if end <= start:
        raise bad("end", "end must come after start")
    kind = io.choice(data.get("kind"), "kind", leave_service.KINDS, "leave")
    session, now = get_session(), viewer.now()
    row = leave_service.add_leave(
        session,
        person.id,
        start,
        end,
        kind=kind,
        note=(io.text_field(data, "note") or "").strip() or None,
        source="api",
        actor=viewer.actor(),
        now=now,
    )
    session.commit()
    hits = leave_service.conflicts(session, person.id, start, end) if kind == "leave" else []
    return jsonify({**io.leave(row), "conflicts": [io.shift(a) for a in hits]}), 201


# --- swaps ---------------------------------------------------------------------------------


@bp.get("/swaps")
def list_swaps():
    """List swaps I made, was offered, may take, or (as a manager) may approve."""
    status = request.args.get("status")
    if status is not None and status not in tuple(SwapStatus):
        raise bad("status", "status must be one of " + ", ".join(SwapStatus))
    managed = [t.id for t in viewer.teams() if accounts.manages(g.user, t.id)]
    rows = swaps.visible_swaps(
        get_session(), _org().id, viewer.person_id(), managed, status=status, limit=MAX_LIST
    )
    return jsonify({"swaps": [_swap_json(s) for s in rows]})


@bp.post("/swaps")
def create_swap():
    """Offer my shift to a teammate or anyone eligible, or propose trading it for theirs."""
    data = io.json_object(
        _body(),
        allowed=("shift", "to_person", "other_shift"),
        required=("shift",),
    )
    me = _require_person()
    row = _shift(io.id_field(data, "shift"), "shift")
    other_id = io.id_field(data, "other_shift")
    to_key = io.text_field(data, "to_person", 64)
    session, now = get_session(), viewer.now()
    if other_id is not None:
        other = _shift(other_id, "other_shift")
        if to_key is not None and to_key != other.person.key:
            raise bad("to_person", "a trade goes to the person who holds the other shift")
        swap = _attempt(lambda: swaps.propose_trade(session, row.id, other.id, me, now))
    else:
        to = _person(to_key, "to_person").id if to_key is not None else None
        swap = _attempt(lambda: swaps.offer(session, row.id, me, to, now))
    return jsonify(_swap_json(swap)), 201


@bp.post("/swaps/<int:swap_id>/accept")
def accept_swap(swap_id: int):
    """Accept a swap offered to me (or to anyone in my team); a broken rule answers 409."""
    me = _require_person()
    swap = _swap(swap_id)
    session, now = get_session(), viewer.now()
    return jsonify(_swap_json(_attempt(lambda: swaps.accept(session, swap.id, me, now))))


@bp.post("/swaps/<int:swap_id>/decline")
def decline_swap(swap_id: int):
    """Decline a swap offered to me by name."""
    me = _require_person()
    swap = _swap(swap_id)
    session, now = get_session(), viewer.now()
    return jsonify(_swap_json(_attempt(lambda: swaps.decline(session, swap.id, me, now))))


def _attempt(action) -> SwapRow:
    """Run a swap service and commit; a refusal answers 409 with the rule's explanation.

    What is not the user's to do answers 403, a swap, shift or person that is not there 404.
    """
    session = get_session()
    try:
        swap = action()
        session.commit()
    except swaps.SwapForbidden as denied:
        raise forbidden(denied.message) from None
    except swaps.SwapNotFound as missing:
        raise not_found(missing.message) from None
    except swaps.SwapRefused as refused:
        raise ApiError(409, "refused", refused.message) from None
    return swap


def _swap(swap_id: int) -> SwapRow:
    swap = get_session().get(SwapRow, swap_id) if swap_id <= io.MAX_ID else None
    if swap is None or swap.assignment.team.org_id != _org().id:
        raise not_found(f"there is no swap #{swap_id}", "swap_id")
    return swap


def _swap_json(swap: SwapRow) -> dict:
    session = get_session()
    return io.swap(swap, lambda pid: session.get(PersonRow, pid) if pid else None)


# --- lookups -------------------------------------------------------------------------------------


def _body():
    if (request.content_length or 0) > io.MAX_BODY:  # refuse before reading it
        raise bad("body", f"the request body must be at most {io.MAX_BODY} bytes")
    return io.json_body(request.get_data(cache=False))


def _org():
    org = viewer.org()
    if org is None:
        raise not_found("no org has been imported yet")
    return org


def _person(key: str | None, field: str) -> PersonRow:
    if key is None or not io.storable(key):
        raise not_found(f"there is no person {str(key)[:100]!r}", field)
    person = queries.active_person(get_session(), _org().id, key)
    if person is None:
        raise not_found(f"there is no person {str(key)[:100]!r}", field)
    return person


def _shift(assignment_id: int | None, field: str) -> AssignmentRow:
    row = get_session().get(AssignmentRow, assignment_id) if assignment_id else None
    if row is None or row.team.org_id != _org().id:
        raise not_found(f"there is no shift #{assignment_id}", field)
    return row


def _require_person() -> int:
    me = viewer.person_id()
    if me is None:
        raise forbidden("this API token's user is not linked to a person on a rotation")
    return me
