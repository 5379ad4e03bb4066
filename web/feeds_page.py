"""My calendar feeds: each feed's link with copy, webcal:// and Google Calendar subscribe links.

Only a token's SHA-256 is stored, so a link can be shown once: right after it is made. Making a
new one revokes the old one (calendars subscribed with it stop updating). A person's feed has
one live link; each user gets their own link to a team feed, so rotating it breaks nobody else's.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, abort, current_app, g, render_template, request, url_for

from scheduler.services import accounts
from web import auth, viewer
from web.auth import login_required
from web.db import get_session

bp = Blueprint("feeds_page", __name__)

GOOGLE = "https://calendar.google.com/calendar/r?cid="


@bp.route("/me/feeds")
@login_required
def index():
    """List my feeds and whether each has a live link."""
    return _render({})


@bp.route("/me/feeds/rotate", methods=("POST",))
@login_required
def rotate():
    """Make a new link for one of my feeds (the old one stops working) and show it once."""
    subject = request.form.get("subject", "")
    feeds = {f["subject"]: f for f in _feeds()}
    if subject not in feeds:
        abort(403)
    session, now = get_session(), viewer.now()
    feed = feeds[subject]
    if feed["person_id"] is not None:
        token = accounts.rotate_feed_token(
            session, person_id=feed["person_id"], now=now, actor=viewer.actor()
        )
    else:
        for old in accounts.active_tokens(
            session, "feed", team_id=feed["team_id"], user_id=g.user.id
        ):
            accounts.revoke_token(session, old.id, now=now, actor=viewer.actor())
        token = accounts.issue_token(
            session, "feed", team_id=feed["team_id"], user_id=g.user.id, now=now
        )
    session.commit()
    response = current_app.make_response(_render({subject: feed_url(token)}))
    response.headers["Cache-Control"] = "no-store"  # the page holds a secret
    return response


def feed_url(token: str) -> str:
    """Return the feed's https URL (config BASE_URL names the public address behind a proxy)."""
    path = f"/feeds/{token}.ics"
    if "feeds.feed" in current_app.view_functions:
        path = url_for("feeds.feed", token=token)
    base = current_app.config.get("BASE_URL") or request.host_url
    return base.rstrip("/") + path


def links(url: str) -> dict[str, str]:
    """Return the https, webcal:// and Google Calendar subscribe links of a feed URL."""
    webcal = "webcal://" + url.split("://", 1)[1]
    return {"https": url, "webcal": webcal, "google": GOOGLE + quote(url, safe="")}


def _feeds() -> list[dict]:
    """Return the feeds I may have: my person's, and those of my teams and the teams I manage."""
    session, me = get_session(), viewer.person()
    feeds = []
    if me is not None:
        feeds.append(
            {
                "subject": "person",
                "label": f"My shifts ({me.name})",
                "person_id": me.id,
                "team_id": None,
                "active": accounts.active_tokens(session, "feed", person_id=me.id),
            }
        )
    mine = viewer.my_team_ids()
    for team in viewer.teams():
        if team.id in mine or auth.can_manage(team.id):
            feeds.append(
                {
                    "subject": f"team:{team.id}",
                    "label": f"Team {team.name}",
                    "person_id": None,
                    "team_id": team.id,
                    "active": accounts.active_tokens(
                        session, "feed", team_id=team.id, user_id=g.user.id
                    ),
                }
            )
    return feeds


def _render(fresh: dict[str, str]):
    feeds = _feeds()
    for feed in feeds:
        url = fresh.get(feed["subject"])
        feed["links"] = links(url) if url else None
    return render_template("feeds_page.html", feeds=feeds)
