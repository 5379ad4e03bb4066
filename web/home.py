"""Home: who is on call now and next, per team, in the viewer's time zone."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from scheduler.services import oncall
from web import viewer
from web.auth import login_required
from web.db import get_session

bp = Blueprint("home", __name__)


@bp.route("/favicon.ico")
def favicon():
    """Send browsers that ask for /favicon.ico to the site's SVG icon (linked on every page)."""
    return redirect(url_for("static", filename="favicon.svg"), 301)


@bp.route("/")
@login_required
def index():
    """Show who is on call now and next, per team."""
    org, now = viewer.org(), viewer.now()
    if org is None:
        return render_template("home.html", org=None, teams=[])
    session = get_session()
    current = oncall.on_call(session, org.id, now)
    upcoming = oncall.next_on_call(session, org.id, now)
    teams = [
        {
            "team": team,
            "now": [e for e in current if e.team_key == team.key],
            "next": [e for e in upcoming if e.team_key == team.key],
        }
        for team in viewer.teams()
    ]
    return render_template("home.html", org=org, teams=teams, now=now)
