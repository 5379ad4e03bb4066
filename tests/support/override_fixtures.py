"""What the override tests share: a DB shift of the SWAPS world, its hours, covers, snapshots.

DB is primary only with no rest rule, so covers are easy to find; Ops (a week's rest) shows the
rulebook refusing a cover.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.services import overrides
from scheduler.store import AssignmentRow, AuditRow, OverrideRow
from support.swap_fixtures import week
from support.world import World, shifts


def db_shift(session: Session, world: World, week_index: int = 1) -> AssignmentRow:
    """Return DB's primary shift of a week of the horizon."""
    return next(r for r in shifts(session, world, "db") if week(r) == week_index)


def evening(row: AssignmentRow, day: int = 1) -> tuple[datetime, datetime]:
    """Return 18:00-23:00 (UTC) of the shift's `day`-th day (0: its handoff day)."""
    midnight = row.start.replace(hour=0, minute=0) + timedelta(days=day)
    return midnight + timedelta(hours=18), midnight + timedelta(hours=23)


def covers(session: Session, row: AssignmentRow, start: datetime, end: datetime) -> list[int]:
    """Return the ids of the people who could cover `[start, end)` of a shift."""
    return [p.id for p in overrides.eligible_covers(session, row, start, end)]


def snapshot(session: Session) -> tuple:
    """Capture what an override may change: assignments, overrides and the audit log."""
    assignments = session.execute(
        select(AssignmentRow.id, AssignmentRow.person_id, AssignmentRow.revision).order_by(
            AssignmentRow.id
        )
    ).all()
    rows = session.execute(
        select(OverrideRow.id, OverrideRow.status).order_by(OverrideRow.id)
    ).all()
    audit_entries = session.scalar(select(func.count()).select_from(AuditRow))
    return tuple(assignments), tuple(rows), audit_entries
