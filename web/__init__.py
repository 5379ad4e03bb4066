"""The Rota web app: `create_app()` builds it from the environment, one blueprint per screen."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, Response
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from scheduler import store
from scheduler.domain.model import PlanState
from scheduler.domain.text import plural


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, secret key, database, blueprints."""
    app = Flask(__name__, instance_path=os.environ.get("ROTA_INSTANCE_PATH") or None)
    app.config.from_mapping(_config_from_env(os.environ))
    if test_config is not None:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app)
    # Secure cookies need HTTPS: on with ROTA_SECURE_COOKIES=1 (or SECURE_COOKIES in config).
    app.config["SESSION_COOKIE_SECURE"] = bool(
        app.config.get("SECURE_COOKIES") or app.config.get("SESSION_COOKIE_SECURE")
    )
    if app.config.get("PROXY_HOPS"):
        # The client's address (sign-in throttling counts per address) is the one the
        # proxies in front of us saw, not the last proxy's own.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_HOPS"])

    from web import inputs

    # Every `<int:...>` in a route is bounded to what an id column holds (else 404).
    app.url_map.converters["int"] = inputs.IdConverter
    from web import (
        api,
        audit,
        auth,
        csrf,
        dates,
        db,
        errors,
        fairness,
        feeds,
        feeds_page,
        home,
        leave,
        metrics,
        notifications,
        overrides,
        plans,
        schedule,
        shifts,
        swaps,
        throttle,
        viewer,
    )

    app.config.setdefault("CLOCK", viewer.utcnow)
    app.before_request(inputs.refuse_nul)
    db.init_app(app)
    csrf.init_app(app)
    auth.init_app(app)
    screens = (auth, home, schedule, shifts, swaps, overrides, leave, plans, fairness, audit)
    for screen in (*screens, feeds_page, notifications):
        app.register_blueprint(screen.bp)
    throttle.init_app(app)
    app.config["METRICS_ALLOW"] = metrics.parse_networks(app.config.get("METRICS_ALLOW"))
    # These authenticate every request themselves (or, /metrics, by token and network), so
    # they skip the CSRF check.
    from web import api_overrides  # noqa: F401 - adds the override endpoints to api.bp

    for token_authenticated in (feeds, api, metrics):
        app.register_blueprint(token_authenticated.bp)
        csrf.exempt(app, token_authenticated.bp)

    app.jinja_env.filters["local"] = viewer.local
    # Dates for people: one formatter, the year only when it is not this year (web/dates.py).
    app.jinja_env.filters["when"] = dates.when
    app.jinja_env.filters["day"] = dates.day
    app.jinja_env.filters["last_day"] = dates.last_day
    app.jinja_env.filters["plural"] = plural
    app.jinja_env.filters["local_end"] = viewer.local_end
    app.jinja_env.filters["person_name"] = viewer.person_name
    app.jinja_env.filters["ratio"] = _ratio
    app.jinja_env.filters["http_url"] = _http_url
    app.jinja_env.filters["webhook_host"] = _webhook_host
    app.context_processor(_template_globals)
    app.context_processor(notifications.unread_badge)
    app.register_error_handler(HTTPException, errors.error_page)
    app.after_request(_security_headers)
    return app


def _config_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    from web.throttle import ACCOUNT_LIMIT, ADDRESS_LIMIT

    return {
        "DATABASE_URL": store.database_url(dict(environ)),
        "SECRET_KEY": environ.get("ROTA_SECRET_KEY"),
        "SECURE_COOKIES": environ.get("ROTA_SECURE_COOKIES", "") in ("1", "true", "yes"),
        # The header a trusted reverse proxy names the signed-in user in (X-Forwarded-User, say).
        "TRUST_PROXY_HEADER": environ.get("ROTA_TRUST_PROXY_HEADER") or None,
        # The public address in feed links, when the app sits behind a proxy.
        "BASE_URL": environ.get("ROTA_BASE_URL") or None,
        # Seconds the solver may spend on "Generate next quarter" (the page never waits longer).
        "SOLVE_SECONDS": float(environ.get("ROTA_SOLVE_SECONDS", "300")),
        "SOLVE_WORKERS": int(environ.get("ROTA_SOLVE_WORKERS", "1")),
        # /metrics: a bearer token and/or the networks (CIDRs, comma-separated) it answers.
        "METRICS_TOKEN": environ.get("ROTA_METRICS_TOKEN") or None,
        "METRICS_ALLOW": environ.get("ROTA_METRICS_ALLOW") or None,
        # With a Redis URL, generating a plan is a job for `rota worker` (docs/service.md) and
        # the sign-in throttle counts there (docs/security.md), not in the database.
        "REDIS_URL": environ.get("ROTA_REDIS_URL", "").strip() or None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "rota_session",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        # Failed sign-ins allowed per account and per address (docs/security.md).
        "LOGIN_LIMIT_ACCOUNT": environ.get("ROTA_LOGIN_LIMIT_ACCOUNT") or ACCOUNT_LIMIT,
        "LOGIN_LIMIT_ADDRESS": environ.get("ROTA_LOGIN_LIMIT_ADDRESS") or ADDRESS_LIMIT,
        # How many reverse proxies in front of the app set X-Forwarded-For (0: none).
        "PROXY_HOPS": _whole_number(environ, "ROTA_PROXY_HOPS"),
    }


def _whole_number(environ: Mapping[str, str], variable: str) -> int:
    text = environ.get(variable, "").strip() or "0"
    if not text.isascii() or not text.isdigit():
        raise ValueError(f"{variable} must be a whole number, not {text!r}")
    return int(text)


def instance_folder(app: Flask) -> Path:
    """Return the instance folder (secret key, job status), creating it, never to be committed."""
    folder = Path(app.instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Secrets and local state of a running server: never commit them.\n*\n")
    return folder


def _instance_secret(app: Flask) -> str:
    """Return the key kept in the instance folder, generating it on first run."""
    path = instance_folder(app) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    # Owner-only from the start; O_EXCL makes two workers starting at once agree on one key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _wait_for_key(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def _wait_for_key(path: Path) -> str:
    # Another worker created the file a moment ago and may not have written it yet.
    for _ in range(50):
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.1)
    raise RuntimeError(f"{path} stays empty: delete it and start again")


def _ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _http_url(url: str | None) -> str:
    # Links from the org file are only followed when they are web links (never javascript:).
    return url if url and url.lower().startswith(("https://", "http://")) else "#"


def _webhook_host(url: str) -> str:
    # A webhook URL is a secret (whoever has it can post): show only its scheme and host.
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}/…"


def _template_globals() -> dict[str, Any]:
    from web import auth, viewer

    return {
        "viewer": viewer,
        "is_manager": auth.is_manager,
        "is_admin": auth.is_admin,
        "may_plan": auth.may_plan,
        "can_manage": auth.can_manage,
        "PlanState": PlanState,
    }


SECURITY_HEADERS = {
    # Pages load only this site's own scripts, styles and images, and are never framed.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _security_headers(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
