"""Leave and avoid requests entered on the web or through the API, and the shifts they hit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from scheduler.domain.orgvalues import FIRST_DAY, LAST_DAY
from scheduler.domain.shifts import local_midnight
from scheduler.domain.text import inert
from scheduler.services import audit
from scheduler.store import AssignmentRow, PersonRow, TimeOffRow, published

KINDS = ("leave", "avoid")


class LeaveError(ValueError):
    """Leave that cannot be recorded as asked (nothing was changed)."""


def whole_days(first: date, last: date, timezone: str) -> tuple[datetime, datetime]:
    """Return `[start, end)` covering the days `first`..`last` (inclusive) in `timezone`.

    Raises LeaveError when `last` comes before `first` or either is outside the supported
    years (docs/org-file.md#limits).
    """
    if last < first:
        raise LeaveError("the last day of leave comes before the first")
    _check_years(first, last)
    return local_midnight(first, timezone), local_midnight(last + timedelta(days=1), timezone)


def add_leave(
    session: Session,
    person_id: int,
    start: datetime,
    end: datetime,
    *,
    kind: str = "leave",
    note: str | None = None,
    source: str = "web",
    actor: str,
    now: datetime,
) -> TimeOffRow:
    """Record leave (or an avoid request) of a person for `[start, end)`.

    The note is stored without terminal escapes, control or bidirectional characters (the
    pages, the API and the audit show it: docs/security.md#user-text); blank is None.
    Raises LeaveError for a bad kind, naive or reversed times, years outside 1900-2200, or
    an unknown person.
    """
    if kind not in KINDS:
        raise LeaveError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if start.tzinfo is None or end.tzinfo is None:
        raise LeaveError("leave needs times with a time zone")
    if end <= start:
        raise LeaveError("leave must end after it starts")
    _check_years(start.date(), end.date())
    person = session.get(PersonRow, person_id)
    if person is None:
        raise LeaveError(f"there is no person #{person_id}")
    row = TimeOffRow(
        person_id=person.id,
        kind=kind,
        start=start,
        end=end,
        note=inert(note or "").strip() or None,
        source=source,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        f"{kind}.create",
        kind,
        row.id,
        None,
        _summary(row),
        now,
        org_id=person.org_id,
    )
    return row


def remove_leave(session: Session, leave_id: int, *, actor: str, now: datetime) -> None:
    """Delete a leave entry (entries from an org file come back on its next import)."""
    row = session.get(TimeOffRow, leave_id)
    if row is None:
        raise LeaveError(f"there is no leave #{leave_id}")
    before, org_id = _summary(row), row.person.org_id
    session.delete(row)
    session.flush()
    audit.record(
        session, actor, f"{row.kind}.delete", row.kind, leave_id, before, None, now, org_id=org_id
    )


def conflicts(
    session: Session, person_id: int, start: datetime, end: datetime
) -> list[AssignmentRow]:
    """Return the person's published shifts that overlap `[start, end)`."""
    return list(session.scalars(published(person_id=person_id, start=start, end=end)))


def _summary(row: TimeOffRow) -> dict:
    return {
        "person": row.person.key if row.person is not None else row.person_id,
        "kind": row.kind,
        "start": row.start,
        "end": row.end,
        "note": row.note,
        "source": row.source,
    }


def _check_years(*days: date) -> None:
    if any(not FIRST_DAY <= day <= LAST_DAY for day in days):
        raise LeaveError(f"leave must fall between {FIRST_DAY} and {LAST_DAY}")
