"""Sign-in throttling by Flask-Limiter, per account and per client address
(docs/security.md#sign-in-throttling).

Only failed sign-ins count: by default 5 per account (the submitted username, case-folded) and
20 per address in a fixed window of 15 minutes (ROTA_LOGIN_LIMIT_ACCOUNT and
ROTA_LOGIN_LIMIT_ADDRESS). Once a limit is reached every sign-in it covers is refused with 429
until the window ends, the right password included: that is what stops guessing. The counters
live where every gunicorn worker sees them: Redis when ROTA_REDIS_URL is set, else the
application database (`scheduler.store.ratelimits`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

from flask import Flask, Response, current_app, flash, make_response, render_template, request
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit
from limits import parse

from scheduler.store import ratelimits

ACCOUNT_LIMIT = "5 per 15 minutes"
ADDRESS_LIMIT = "20 per 15 minutes"
LIMIT_SETTINGS = {  # config key -> the environment variable that sets it
    "LOGIN_LIMIT_ACCOUNT": "ROTA_LOGIN_LIMIT_ACCOUNT",
    "LOGIN_LIMIT_ADDRESS": "ROTA_LOGIN_LIMIT_ADDRESS",
}
ACCOUNT_MESSAGE = "Too many sign-in attempts for this account. Try again in {minutes}."
ADDRESS_MESSAGE = "Too many sign-in attempts from your address. Try again in {minutes}."


def init_app(app: Flask) -> None:
    """Throttle failed sign-ins on `app` (after the auth blueprint is registered).

    Raises ValueError naming the setting when a limit is not a rate like "5 per 15 minutes".
    """
    for key, variable in LIMIT_SETTINGS.items():
        _check_limit(app.config.get(key), variable)
    redis_url = app.config.get("REDIS_URL")
    fallback = {}
    if redis_url:
        storage_uri, options = redis_url, {}
        # Redis out of reach must not stop sign-in: count in this worker's memory meanwhile.
        fallback = {"swallow_errors": True, "in_memory_fallback_enabled": True}
    else:
        clock = app.config["CLOCK"]
        storage_uri = f"{ratelimits.SCHEME}://"
        options = {"engine": app.extensions["rota.engine"], "clock": lambda: clock().timestamp()}
    limiter = Limiter(
        key_func=address_key,
        app=app,
        storage_uri=storage_uri,
        storage_options=options,
        strategy="fixed-window",
        key_prefix="rota",
        **fallback,
    )
    app.extensions["rota.limiter"] = limiter
    view = app.view_functions["auth.login"]
    for key, key_func, message in (
        ("LOGIN_LIMIT_ADDRESS", address_key, ADDRESS_MESSAGE),
        ("LOGIN_LIMIT_ACCOUNT", account_key, ACCOUNT_MESSAGE),
    ):
        view = limiter.limit(
            _setting(key),
            key_func=key_func,
            methods=["POST"],
            deduct_when=_failed,
            on_breach=_refusal(message),
        )(view)
    app.view_functions["auth.login"] = view
    app.register_error_handler(RateLimitExceeded, _throttled)


def account_key() -> str:
    """Return the throttling key of the account a sign-in names: a digest of its username,
    case-folded (people type passwords into the username box: never store what they typed)."""
    username = request.form.get("username", "").strip().casefold()
    return "account:" + hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()[:32]


def address_key() -> str:
    """Return the throttling key of the client's address (behind a proxy: ROTA_PROXY_HOPS)."""
    return "address:" + (request.remote_addr or "unknown")


def _check_limit(value: object, variable: str) -> None:
    try:
        parse(str(value))
    except ValueError:
        raise ValueError(
            f"{variable}: {value!r} is not a rate limit; write it like {ACCOUNT_LIMIT!r}"
        ) from None


def _setting(key: str) -> Callable[[], str]:
    return lambda: current_app.config[key]


def _failed(response: Response) -> bool:
    """Tell whether a sign-in failed (only failures count against a limit)."""
    return response.status_code == 401


def _refusal(message: str) -> Callable[[RequestLimit], Response]:
    """Return the on-breach callback that answers 429 with the sign-in form and `message`."""

    def refuse(limit: RequestLimit) -> Response:
        now = current_app.config["CLOCK"]().timestamp()
        seconds = max(1, math.ceil(limit.window.reset_time - now))  # reset_at adds a second
        minutes = math.ceil(seconds / 60)
        flash(message.format(minutes="1 minute" if minutes == 1 else f"{minutes} minutes"), "error")
        page = render_template(
            "auth/login.html",
            next=request.values.get("next"),
            username=request.form.get("username", ""),
        )
        response = make_response(page, 429)
        response.headers["Retry-After"] = str(seconds)
        return response

    return refuse


def _throttled(error: RateLimitExceeded):
    """Answer a breached limit with the page its callback made (else Flask-Limiter's text)."""
    if error.response is not None:
        return error.response
    from web.errors import error_page

    return error_page(error)
