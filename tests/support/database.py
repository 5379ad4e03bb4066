"""The test database: which PostgreSQL schema a worker uses, and row counts of every table."""

from __future__ import annotations

import os

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from scheduler import store


def worker_schema(db_url: str) -> str | None:
    """Name this test worker's own PostgreSQL schema (None on SQLite, which needs none)."""
    if db_url.startswith("sqlite"):
        return None
    return f"rota_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"


def cli_url(db_url: str) -> str:
    """Return a URL for the `rota` commands that reaches the `engine` fixture's database."""
    schema = worker_schema(db_url)
    if schema is None:
        return db_url
    separator = "&" if "?" in db_url else "?"
    return f"{db_url}{separator}options=-csearch_path%3D{schema}"


def counts(sessions: sessionmaker) -> dict[str, int]:
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
        return {
            t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in tables
        }
