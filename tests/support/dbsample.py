"""The one-team sample org for database tests, and the helpers the service tests share."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from scheduler import store
from scheduler.domain.model import Org
from scheduler.domain.orgfile import parse_org
from scheduler.services.importer import import_org

ROOT = Path(__file__).resolve().parents[2]
TEAM_FILE = ROOT / "data" / "team.yaml"
TEAM_TEXT = TEAM_FILE.read_text(encoding="utf-8")
NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
START = datetime(2027, 1, 4).date()


def team_org(*replacements: tuple[str, str], extra: str = "") -> Org:
    """Parse data/team.yaml with each (old, new) text replaced once and `extra` appended."""
    text = TEAM_TEXT
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return parse_org(text + extra, "team.yaml")


def imported(sessions, org: Org | None = None) -> int:
    """Import an org (data/team.yaml by default), commit, and return the org's id."""
    with sessions.begin() as session:
        return import_org(session, org or team_org(), "test", NOW).org_id


def count(session, row_type) -> int:
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
