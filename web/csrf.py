"""CSRF protection: a per-session token in every form, checked on every state-changing request.

Blueprints that authenticate each request by other means (the JSON API's bearer tokens, the
secret-URL feeds) opt out with `exempt(bp)`; everything else that POSTs, PUTs, PATCHes or
DELETEs must send the session's token as the `csrf_token` form field or the `X-CSRF-Token`
header, or gets 400.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Blueprint, Flask, abort, current_app, request, session
from markupsafe import Markup, escape

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


def init_app(app: Flask) -> None:
    """Check a CSRF token on every unsafe request and give templates `csrf_token()`."""
    app.extensions["rota.csrf_exempt"] = set()
    app.before_request(check)
    app.jinja_env.globals["csrf_field"] = csrf_field
    app.jinja_env.globals["csrf_token"] = token


def exempt(app: Flask, blueprint: Blueprint) -> None:
    """Let a blueprint's routes skip the check (they authenticate every request themselves)."""
    app.extensions["rota.csrf_exempt"].add(blueprint.name)


def token() -> str:
    """Return this session's token, creating it on first use."""
    if FIELD not in session:
        session[FIELD] = secrets.token_urlsafe(32)
    return session[FIELD]


def csrf_field() -> Markup:
    """Render the hidden form field that carries the token."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(token())}">')


def check() -> None:
    """Refuse an unsafe request without the session's token."""
    if request.method not in UNSAFE or request.url_rule is None:
        return  # safe methods; unknown routes go on to their 404 or 405
    if current_app.extensions["rota.csrf_exempt"].intersection(request.blueprints):
        return
    expected = session.get(FIELD)
    sent = request.form.get(FIELD) or request.headers.get(HEADER)
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        abort(400, description="The form has expired or did not come from this site. Reload it.")
