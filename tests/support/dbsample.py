"""The test database: which PostgreSQL schema a worker uses, and row counts of every table."""

from __future__ import annotations

import os

from sqlalchemy import func, select

from scheduler import store


def count(session, row_type) -> int:
    """Count the rows of one table."""
    return session.scalar(select(func.count()).select_from(row_type))


def counts(sessions) -> dict[str, int]:
    """Count the rows of every table that an import or a plan writes."""
    tables = (
        store.OrgRow,
        store.PersonRow,
        store.TeamRow,
        store.MembershipRow,
        store.TimeOffRow,
        store.HistoryRow,
        store.PlanRow,
        store.AssignmentRow,
        store.UserRow,
        store.TokenRow,
        store.AuditRow,
    )
    with sessions() as session:
        return {t.__tablename__: count(session, t) for t in tables}


def pg_schema() -> str | None:
    """Name the PostgreSQL schema the `engine` fixture made for this worker (None on SQLite)."""
    if not os.environ.get("ROTA_DATABASE_URL", "").startswith("postgresql"):
        return None
    return f"rota_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def cli_url(db_url: str) -> str:
    """Return a URL for the `rota` commands that reaches the `engine` fixture's database."""
    schema = pg_schema()
    if schema is None:
        return db_url
    separator = "&" if "?" in db_url else "?"
    return f"{db_url}{separator}options=-csearch_path%3D{schema}"
