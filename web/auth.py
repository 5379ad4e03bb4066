"""Sign in and out, who the user is on each request, and the role checks views rely on.

Roles: an engineer is a user linked to a person; a manager manages given teams
(`accounts.manages`) and publishes plans that change only those; an org planner publishes any
plan (`rights`); an admin may do everything. A trusted reverse proxy may name the user in a
header (config TRUST_PROXY_HEADER, off by default): only turn it on behind a proxy that strips
that header from clients' requests.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from scheduler.services import accounts, rights, signin
from web.db import get_session

bp = Blueprint("auth", __name__)


@bp.before_app_request
def load_user() -> None:
    """Put the signed-in user (or None) on `g.user`; forget a session that has ended."""
    g.user = None
    if request.endpoint == "static":
        return
    header = current_app.config.get("TRUST_PROXY_HEADER")
    if header and request.headers.get(header):
        user = accounts.user_by_name(get_session(), request.headers[header])
        g.user = user if user is not None and user.active else None
        return
    if "user_id" in session:
        g.user = signin.session_user(get_session(), session["user_id"], session.get("generation"))
        if g.user is None:
            session.clear()  # signed out elsewhere, a new password, or a disabled account


def wants_json() -> bool:
    """Tell whether the request asks for JSON (a .json path, or JSON first in Accept)."""
    return request.path.endswith(".json") or (request.accept_mimetypes.best == "application/json")


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Send anonymous visitors to the sign-in page (401 for JSON endpoints)."""

    @functools.wraps(view)
    def wrapped(**kwargs):
        if g.user is None:
            if wants_json():
                abort(401)
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(**kwargs)

    return wrapped


def is_admin() -> bool:
    """Tell whether the signed-in user is an admin."""
    return g.user is not None and g.user.is_admin


def can_manage(team_id: int) -> bool:
    """Tell whether the user may manage the team: its manager, or an admin."""
    return g.user is not None and (g.user.is_admin or accounts.manages(g.user, team_id))


def is_manager() -> bool:
    """Tell whether the user manages any team (or is an admin)."""
    return g.user is not None and (g.user.is_admin or bool(g.user.managed))


def may_plan() -> bool:
    """Tell whether the user may generate drafts (an admin, an org planner or a manager)."""
    return rights.may_plan(g.user)


def require_manager(team_id: int | None = None) -> None:
    """Refuse (403) a user who does not manage the team (or any team, when none is named)."""
    allowed = is_manager() if team_id is None else can_manage(team_id)
    if not allowed:
        abort(403)


def require_person() -> int:
    """Return the user's person id; refuse (403) users who are not on any rotation."""
    if g.user is None or g.user.person_id is None:
        abort(403)
    return g.user.person_id


def safe_next(target: str | None, default: str | None = None) -> str:
    """Return `target` when it is a path on this site, else `default` (never an open redirect).

    Judged as a browser reads it: browsers drop tabs and newlines and read a backslash as a
    slash, so a slash, a tab, a slash and a host name would leave the site. Any control
    character, blank or backslash, even percent-encoded, refuses the target.
    """
    if target and _site_path(target):
        return target
    return default or url_for("home.index")


def _site_path(target: str) -> bool:
    """Tell whether `target` is a path on this site, after the normalisation browsers apply."""
    if len(target) > 2000:
        return False
    for text in (target, unquote(target)):
        if any(c.isspace() or not c.isprintable() or c == "\\" for c in text):
            return False
        if not text.startswith("/") or text.startswith("//"):
            return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


@bp.route("/login", methods=("GET", "POST"))
def login():
    """Sign in with a local account."""
    next_url = request.values.get("next")
    if request.method == "POST":
        user = accounts.authenticate(
            get_session(), request.form.get("username", ""), request.form.get("password", "")
        )
        if user is not None:
            session.clear()  # a fresh session on sign-in: no fixation
            session["user_id"] = user.id
            session["generation"] = user.session_generation
            session.permanent = True
            return redirect(safe_next(next_url))
        flash("Wrong username or password.", "error")
        return render_template("auth/login.html", next=next_url), 401
    return render_template("auth/login.html", next=next_url)


@bp.route("/logout", methods=("POST",))
def logout():
    """Sign out, ending every session of the user (on other browsers too)."""
    if g.user is not None and "user_id" in session:
        accounts.end_sessions(g.user)
        get_session().commit()
    session.clear()
    return redirect(url_for("auth.login"))
