"""Throttling counters in the application database: a `limits` storage for every web worker.

Flask-Limiter keeps its counters in a `limits` storage. Its in-memory storage is per process,
so each gunicorn worker would count on its own and an attacker would get N times the attempts.
This storage keeps the counters in the `rate_limits` table instead, so every worker (and every
host sharing the database) sees one count, on SQLite and PostgreSQL alike, with no Redis.
It supports the fixed-window strategy: a counter starts with its first hit and lasts `expiry`
seconds. Registered under the scheme `rota+db://` (docs/security.md#sign-in-throttling).

Each call runs in its own short transaction, apart from the request's: an attempt counts even
when the request that made it rolls back.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable

from limits.storage import Storage
from sqlalchemy import Engine, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from scheduler.store.engine import READS_ONLY
from scheduler.store.tables import RateLimitRow

SCHEME = "rota+db"
KEY_LENGTH = RateLimitRow.__table__.c.key.type.length
PURGE_BATCH = 100  # expired rows removed per hit, so the table stays the size of live windows

_TABLE = RateLimitRow.__table__


class DatabaseStorage(Storage):
    """A `limits` storage whose counters live in the `rate_limits` table.

    Built by `limits.storage.storage_from_string("rota+db://", engine=..., clock=...)` (which is
    what Flask-Limiter does with RATELIMIT_STORAGE_URI and RATELIMIT_STORAGE_OPTIONS): `engine`
    is a SQLAlchemy engine on a migrated Rota database (SQLite or PostgreSQL); `clock` returns
    the time in seconds since the epoch (default `time.time`; tests pass a frozen one).
    Database failures raise SQLAlchemyError (limits.errors.StorageError with
    `wrap_exceptions=True`).
    """

    STORAGE_SCHEME = [SCHEME]

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        *,
        engine: Engine | None = None,
        clock: Callable[[], float] = time.time,
        **options: float | str | bool,
    ) -> None:
        if engine is None:
            raise ValueError(f"the {SCHEME}:// storage needs engine=<a SQLAlchemy engine>")
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.engine = engine
        self.reader = engine.execution_options(**{READS_ONLY: True})
        self.clock = clock

    @property
    def base_exceptions(self) -> type[Exception]:
        """Errors of the database underneath (limits wraps them when asked to)."""
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` hits to `key` and return its count in the current window.

        A key with no live window starts one of `expiry` seconds from now. The read and the
        write are one statement (an upsert), so concurrent workers never lose a hit.
        """
        now = self.clock()
        live = _TABLE.c.expires_at > now
        insert = _upsert(self.engine)(_TABLE).values(
            key=_stored(key), hits=amount, expires_at=now + expiry
        )
        insert = insert.on_conflict_do_update(
            index_elements=[_TABLE.c.key],
            set_={
                "hits": case((live, _TABLE.c.hits + amount), else_=amount),
                "expires_at": case((live, _TABLE.c.expires_at), else_=now + expiry),
            },
        ).returning(_TABLE.c.hits)
        with self.engine.begin() as connection:
            hits = connection.execute(insert).scalar_one()
            # Never waits on another worker: rows it is purging are skipped (PostgreSQL).
            expired = (
                select(_TABLE.c.key)
                .where(_TABLE.c.expires_at <= now)
                .limit(PURGE_BATCH)
                .with_for_update(skip_locked=True)
            )
            connection.execute(delete(_TABLE).where(_TABLE.c.key.in_(expired)))
        return hits

    def get(self, key: str) -> int:
        """Return the hits of `key` in its live window (0 when it has none)."""
        row = self._live(key)
        return 0 if row is None else row.hits

    def get_expiry(self, key: str) -> float:
        """Return when the live window of `key` ends (seconds since the epoch; now if none)."""
        row = self._live(key)
        return self.clock() if row is None else row.expires_at

    def check(self) -> bool:
        """Tell whether the database answers."""
        try:
            with self.reader.connect() as connection:
                connection.execute(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        """Forget every counter; return how many there were."""
        with self.engine.begin() as connection:
            return connection.execute(delete(_TABLE)).rowcount

    def clear(self, key: str) -> None:
        """Forget the counter of `key`."""
        with self.engine.begin() as connection:
            connection.execute(delete(_TABLE).where(_TABLE.c.key == _stored(key)))

    def _live(self, key: str):
        query = select(_TABLE.c.hits, _TABLE.c.expires_at).where(
            _TABLE.c.key == _stored(key), _TABLE.c.expires_at > self.clock()
        )
        with self.reader.connect() as connection:
            return connection.execute(query).first()


def _stored(key: str) -> str:
    """Return the key as stored: itself when it fits the column, else a digest of it."""
    if len(key) <= KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def _upsert(engine: Engine):
    """Return the INSERT construct that has ON CONFLICT for this engine's database."""
    dialect = engine.dialect.name
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise ValueError(f"the {SCHEME}:// storage supports SQLite and PostgreSQL, not {dialect}")
