"""The audit log (managers and admins): who changed what, when, before and after."""

from __future__ import annotations

import json

from flask import Blueprint, g, render_template, request

from scheduler.services import audit, queries
from web import auth
from web.auth import login_required
from web.db import get_session

bp = Blueprint("audit", __name__)

LIMITS = (100, 500, 2000)


@bp.route("/audit")
@login_required
def index():
    """List the newest audit entries, optionally of one kind of entity."""
    auth.require_manager()
    entity = request.args.get("entity") or None
    limit = request.args.get("limit", LIMITS[0], type=int)
    limit = limit if limit in LIMITS else LIMITS[0]
    session = get_session()
    # Admins read every entry; a manager, only those of the orgs whose teams they manage.
    orgs = None if auth.is_admin() else queries.managed_org_ids(session, g.user)
    entries = audit.recent(session, limit=limit, entity=entity, org_ids=orgs)
    return render_template(
        "audit.html",
        entries=[(e, _changes(e.before, e.after)) for e in entries],
        entity=entity,
        limit=limit,
        limits=LIMITS,
    )


def _changes(before: dict | None, after: dict | None) -> list[tuple[str, str | None, str | None]]:
    """Return (field, before, after) for every field that differs, or is new or gone."""
    before, after = before or {}, after or {}
    keys = list(dict.fromkeys([*before, *after]))
    return [
        (k, _shown(before.get(k)), _shown(after.get(k)))
        for k in keys
        if before.get(k) != after.get(k)
    ]


def _shown(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
