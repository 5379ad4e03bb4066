"""CSRF protection by Flask-WTF's `CSRFProtect`: a token in every form, checked on every
state-changing request (docs/security.md#forms-and-csrf).

Blueprints that authenticate each request by other means (the JSON API's bearer tokens, the
secret-URL feeds) opt out with `exempt(app, bp)`; everything else that POSTs, PUTs, PATCHes or
DELETEs must send the session's token as the `csrf_token` form field or the `X-CSRF-Token`
header (or `X-CSRFToken`), or gets 400. A token is good for as long as the sign-in session.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf
from markupsafe import Markup, escape

FIELD = "csrf_token"
EXPIRED = "The form has expired or did not come from this site. Reload it."


def init_app(app: Flask) -> None:
    """Check a CSRF token on every unsafe request; give templates `csrf_field()`."""
    # A token lasts as long as the session that holds it (sessions end after 12 h or on
    # sign-out), not Flask-WTF's default hour: a form left open over lunch still posts.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    app.config.setdefault("WTF_CSRF_FIELD_NAME", FIELD)
    app.config.setdefault("WTF_CSRF_HEADERS", ["X-CSRF-Token", "X-CSRFToken"])
    CSRFProtect(app)  # registers itself as app.extensions["csrf"]
    app.jinja_env.globals["csrf_field"] = csrf_field
    app.register_error_handler(CSRFError, _refused)


def exempt(app: Flask, blueprint: Blueprint) -> None:
    """Let a blueprint's routes skip the check (they authenticate every request themselves)."""
    app.extensions["csrf"].exempt(blueprint)


def csrf_field() -> Markup:
    """Render the hidden form field that carries this session's token."""
    return Markup(f'<input type="hidden" name="{FIELD}" value="{escape(generate_csrf())}">')


def _refused(error: CSRFError):
    """Answer 400 in Rota's words (Flask-WTF's say which check failed, which helps nobody)."""
    from web.errors import error_page

    error.description = EXPIRED
    return error_page(error)
