"""Calendar feeds over HTTP: `/feeds/<token>.ics`, per docs/feeds.md#serving-over-http.

The secret token in the URL is the only credential (calendar clients send no cookies), so these
routes need no session and skip CSRF. The ETag is the SHA-256 of the body; the body only
changes when an event does, so a client revalidating with If-None-Match mostly gets a 304.
"""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, request

from scheduler.services import accounts, feedstore
from web import db, viewer
from web.db import get_session

bp = Blueprint("feeds", __name__)

CONTENT_TYPE = "text/calendar; charset=utf-8"
CACHE_CONTROL = "private, max-age=300"
# Tokens are token_urlsafe(32): 43 characters. Anything far longer is not one of ours.
MAX_TOKEN_LENGTH = 128


@bp.route("/feeds/<token>.ics", methods=("GET", "HEAD"))
def feed(token: str) -> Response:
    """Serve the calendar feed that a token opens (404 for an unknown or revoked token)."""
    session = get_session()
    row = accounts.lookup_token(session, "feed", token) if len(token) <= MAX_TOKEN_LENGTH else None
    if row is None:
        abort(404)
    now = viewer.now()
    try:
        if row.person_id is not None:
            body = feedstore.person_feed_bytes(session, row.person_id, now, db.sessions())
        elif row.team_id is not None:
            body = feedstore.team_feed_bytes(session, row.team_id, now, db.sessions())
        else:
            abort(404)
    except LookupError:  # the person or team has left the org since the token was issued
        abort(404)
    etag = hashlib.sha256(body).hexdigest()
    headers = {
        "ETag": f'"{etag}"',
        "Cache-Control": CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    if request.if_none_match.contains_weak(etag):
        return Response(status=304, headers=headers)
    return Response(body, status=200, headers=headers, content_type=CONTENT_TYPE)
