"""Engines and sessions: a SQLite file by default (WAL mode), PostgreSQL when configured.

`ROTA_DATABASE_URL` names the database; the schema is brought to the newest Alembic revision by
`migrate`.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_URL = "sqlite:///rota.sqlite"
READS_ONLY = "rota_reads_only"  # the execution option of sessions that never write

DatabaseError = SQLAlchemyError  # what any database failure raises, named for callers above


class DatabaseUrlError(ValueError):
    """A database URL that names no usable database (bad syntax or an unknown driver)."""


def database_url(environ: dict[str, str] | None = None) -> str:
    """Return `ROTA_DATABASE_URL` from the environment, else the SQLite default."""
    environ = os.environ if environ is None else environ
    return environ.get("ROTA_DATABASE_URL") or DEFAULT_URL


def make_engine(url: str | None = None, schema: str | None = None) -> Engine:
    """Create an engine; SQLite files get WAL mode, foreign keys and a busy timeout.

    `schema` (PostgreSQL only) puts every table in that schema, so parallel test workers
    can share one database without seeing each other.
    """
    url = url or database_url()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below take over
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            # Writers take the write lock at the start: concurrent writers queue instead of
            # failing half-way, which is what makes a swap's check-then-write atomic on SQLite.
            # Readers take no lock (WAL gives them a snapshot), so a long import never stalls
            # the pages, feeds and API that only read.
            reads_only = connection.get_execution_options().get(READS_ONLY, False)
            connection.exec_driver_sql("BEGIN" if reads_only else "BEGIN IMMEDIATE")

        return engine
    connect_args = {"options": f"-csearch_path={schema}"} if schema else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (creating it on first run)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine, *, reads_only: bool = False) -> sessionmaker[Session]:
    """Return a session factory whose objects stay readable after commit.

    Sessions of a `reads_only` factory start deferred transactions on SQLite (no write lock)
    and raise ReadOnlySessionError on any attempt to write.
    """
    if not reads_only:
        return sessionmaker(engine, expire_on_commit=False)
    factory = sessionmaker(engine.execution_options(**{READS_ONLY: True}), expire_on_commit=False)
    event.listen(factory, "before_flush", _refuse_writes)
    return factory


class ReadOnlySessionError(RuntimeError):
    """A session made for reading tried to write: open a writing session for that."""


def _refuse_writes(session: Session, _context, _instances) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlySessionError("this session only reads; writes need a writing session")


def open_engine(url: str) -> Engine:
    """Create an engine for `url` and bring its schema up to date.

    Raises DatabaseUrlError for a URL that cannot be used, DatabaseError (SQLAlchemy's base
    error) when the database cannot be opened or migrated; the engine is disposed then.
    """
    try:
        engine = make_engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError) as err:
        raise DatabaseUrlError(str(err)) from None
    except ImportError as err:  # a database SQLAlchemy knows, through a driver not installed
        raise DatabaseUrlError(
            f"its driver {err.name or ''} is not installed; Rota runs on SQLite and PostgreSQL"
        ) from None
    try:
        migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def shown_url(url: str) -> str:
    """Return the URL with any password masked, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url
