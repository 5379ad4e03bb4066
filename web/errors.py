"""Error pages in Rota's words, in the site's layout; JSON errors for the API.

A page that aborts with its own description (`abort(400, description="...")`) shows it; one
that aborts bare gets Rota's sentence for its status instead of Werkzeug's stock text.
"""

from __future__ import annotations

from flask import g, render_template, request
from werkzeug.exceptions import HTTPException

# status -> (heading, what to say when the view gave no reason of its own)
WORDS: dict[int, tuple[str, str]] = {
    400: (
        "Rota could not read that",
        "Something in the form or the address is not what Rota expects. Go back, check it and "
        "try again.",
    ),
    403: (
        "Not yours to do",
        "Your account may not see or change this. Shifts are offered and traded by the people "
        "who hold them; plans, leave of others and approvals belong to a manager of the team. "
        "Ask one, or an admin, if you think you should have access.",
    ),
    404: (
        "Nothing here",
        "There is no such page, team, shift or swap in your org. It may have been removed, or "
        "the link is mistyped.",
    ),
    405: ("Not like that", "This address does not take that kind of request."),
    413: ("Too much at once", "The request is larger than Rota accepts."),
    429: (
        "Slow down a little",
        "Too many attempts in a short time. Wait a minute, then try again.",
    ),
    500: (
        "Something broke on our side",
        "Rota hit an error and nothing of this request was saved. Try again in a moment; if it "
        "keeps happening, tell whoever runs Rota (the details are in the server's log).",
    ),
}


def words(error: HTTPException) -> tuple[str, str]:
    """Return the heading and the sentence for an HTTP error (the view's own reason if given)."""
    code = error.code or 500
    heading, default = WORDS.get(code, (error.name, "Rota cannot answer this request."))
    own = error.description and error.description != type(error).description
    return heading, (error.description if own and code != 500 else default)


def error_page(error: HTTPException):
    """Answer an HTTP error: JSON for the API and JSON clients, else a page in the layout."""
    from flask import jsonify

    from web.auth import wants_json

    if wants_json() or request.path.startswith("/api/"):
        # The API's error shape, for every JSON answer (routing errors included).
        response = jsonify(error=error.name.lower().replace(" ", "_"), message=error.description)
        allow = dict(error.get_headers()).get("Allow")
        if allow:
            response.headers["Allow"] = allow
        return response, error.code
    if error.code == 500 and "db_session" in g:
        g.db_session.rollback()  # the page itself reads the database (the nav's teams)
    heading, sentence = words(error)
    headers = {k: v for k, v in error.get_headers() if k in ("Allow", "Retry-After")}
    page = render_template("error.html", error=error, heading=heading, sentence=sentence)
    return page, error.code, headers
