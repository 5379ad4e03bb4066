"""The database for the web app: one engine per app, one session per request on `flask.g`."""

from __future__ import annotations

from flask import Flask, current_app, g, request

from scheduler import store


def init_app(app: Flask) -> None:
    """Create the app's engine (or take the one given), migrate it, close sessions on teardown."""
    engine = app.config.get("ENGINE")
    if engine is None:
        engine = store.make_engine(app.config["DATABASE_URL"], app.config.get("DATABASE_SCHEMA"))
    if app.config.get("MIGRATE", True):
        store.migrate(engine)
    app.extensions["rota.engine"] = engine
    app.extensions["rota.sessions"] = store.session_factory(engine)
    app.extensions["rota.readers"] = store.session_factory(engine, reads_only=True)
    app.teardown_appcontext(close_session)


def sessions(app: Flask | None = None) -> store.sessionmaker[store.Session]:
    """Return the app's session factory (background jobs open their own sessions with it)."""
    return (app or current_app).extensions["rota.sessions"]


def readers(app: Flask | None = None) -> store.sessionmaker[store.Session]:
    """Return the app's session factory for reading only (no write lock on SQLite)."""
    return (app or current_app).extensions["rota.readers"]


# GET requests that write all the same (a feed reads, and stores the revisions of new or
# changed events in a transaction of its own: feedstore's `writer`).
WRITING_READS: tuple[str, ...] = ()
# POSTs that only read: signing in checks a password and writes nothing of its own (the
# throttle counts attempts in its own transaction, which on SQLite must not wait for this one).
READING_POSTS = ("auth.login",)


def get_session() -> store.Session:
    """Return this request's session, opening it on first use.

    GET and HEAD requests only read (but for WRITING_READS), as do READING_POSTS, so their
    sessions take no write lock on SQLite and never wait for a writer.
    """
    if "db_session" not in g:
        reads = request.endpoint in READING_POSTS or (
            request.method in ("GET", "HEAD") and request.blueprint not in WRITING_READS
        )
        factory = current_app.extensions["rota.readers"] if reads else sessions()
        g.db_session = factory()
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    """Close this request's session, if it opened one (teardown)."""
    session = g.pop("db_session", None)
    if session is not None:
        session.close()  # rolls back whatever a failed request left uncommitted
