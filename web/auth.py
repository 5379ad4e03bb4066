"""Sign in and out, who the user is on each request, and the role checks views rely on.

Sign-in sessions are Flask-Login's (docs/security.md#sign-in-sessions). A session stores the
user's `signin.session_id`, "<user id>:<session generation>"; signing out, a new password and
an admin disabling the user raise the generation, so every session of that user ends at once.
Roles: an engineer is a user linked to a person; a manager manages given teams
(`accounts.manages`) and publishes plans that change only those; an org planner publishes any
plan (`rights`); an admin may do everything. A trusted reverse proxy may name the user in a
header (config TRUST_PROXY_HEADER, off by default): only turn it on behind a proxy that strips
that header from clients' requests.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from flask import (
    Blueprint,
    Flask,
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
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_login import login_required as login_required

from scheduler.services import accounts, rights, signin
from scheduler.store import UserRow
from web.db import get_session

bp = Blueprint("auth", __name__)


class SignedIn(UserMixin):
    """The signed-in account as Flask-Login sees it: the user's row, and its session id."""

    def __init__(self, row: UserRow) -> None:
        """Wrap a user row (an active account)."""
        self.row = row

    @property
    def is_active(self) -> bool:
        """Tell whether the account may be signed in (an admin has not disabled it)."""
        return bool(self.row.active)

    def get_id(self) -> str:
        """Return what the session stores: "<user id>:<session generation>"."""
        return signin.session_id(self.row)


def init_app(app: Flask) -> None:
    """Load the user of each request with Flask-Login: from the session, or a trusted header."""
    manager = LoginManager(app)
    manager.user_loader(_user_of_session)
    manager.request_loader(_user_of_proxy_header)
    manager.unauthorized_handler(_unauthorized)


def _user_of_session(identifier: str) -> SignedIn | None:
    """Return the user the session names, or None when the session has ended."""
    if _proxy_user_name():
        return None  # the trusted proxy names the user of every request: its header decides
    row = signin.user_of_session_id(get_session(), identifier)
    if row is None:
        session.clear()  # signed out elsewhere, a new password, or a disabled account
        return None
    return SignedIn(row)


def _user_of_proxy_header(_request: Any) -> SignedIn | None:
    """Return the active user a trusted proxy names in its header, else None."""
    name = _proxy_user_name()
    if not name:
        return None
    row = accounts.user_by_name(get_session(), name)
    return SignedIn(row) if row is not None and row.active else None


def _proxy_user_name() -> str | None:
    header = current_app.config.get("TRUST_PROXY_HEADER")
    return request.headers.get(header) if header else None


def _unauthorized():
    """Send anonymous visitors to the sign-in page, coming back after (401 for JSON)."""
    if wants_json():
        abort(401)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


@bp.before_app_request
def load_user() -> None:
    """Put the signed-in user's row (or None) on `g.user`, where views and templates read it."""
    g.user = None
    if request.endpoint == "static":
        return
    if current_user.is_authenticated:
        g.user = current_user.row


def wants_json() -> bool:
    """Tell whether the request asks for JSON (a .json path, or JSON first in Accept)."""
    return request.path.endswith(".json") or (request.accept_mimetypes.best == "application/json")


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
    """Sign in with a local account (throttled: web/throttle.py)."""
    next_url = request.values.get("next")
    if request.method == "POST":
        username = request.form.get("username", "")
        user = accounts.authenticate(get_session(), username, request.form.get("password", ""))
        if user is not None:
            session.clear()  # a fresh session on sign-in: no fixation
            login_user(SignedIn(user))
            session.permanent = True
            return redirect(safe_next(next_url))
        flash("Wrong username or password.", "error")
        return render_template("auth/login.html", next=next_url, username=username), 401
    return render_template("auth/login.html", next=next_url)


@bp.route("/logout", methods=("POST",))
def logout():
    """Sign out, ending every session of the user (on other browsers too)."""
    if g.user is not None and "_user_id" in session:  # a proxy-named user has no session
        accounts.end_sessions(g.user)
        get_session().commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
