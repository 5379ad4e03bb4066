"""The leave service: whole days in a person's zone, validation, audit, clashes with shifts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from support.world import PAGES, Scenario, shift_of

from scheduler.services import leave
from scheduler.store import AuditRow, TimeOffRow

NOW = PAGES.now


@pytest.fixture
def scenario() -> Scenario:
    return PAGES


def test_whole_days_follow_the_persons_zone_across_dst():
    start, end = leave.whole_days(date(2027, 3, 27), date(2027, 3, 28), "Europe/Berlin")
    assert start == datetime(2027, 3, 26, 23, tzinfo=UTC)
    assert end == datetime(2027, 3, 28, 22, tzinfo=UTC)  # summer time began on the 28th
    with pytest.raises(leave.LeaveError):
        leave.whole_days(date(2027, 3, 2), date(2027, 3, 1), "UTC")


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(1, 1, 1), date(1, 1, 2)),
        (date(2027, 1, 4), date(9999, 12, 31)),
        (date(1899, 12, 31),) * 2,
    ],
)
def test_leave_outside_the_supported_years_is_refused(sessions, world, first, last):
    with pytest.raises(leave.LeaveError, match="between 1900-01-01 and 2200-12-31"):
        leave.whole_days(first, last, "Europe/Berlin")
    with sessions() as session, pytest.raises(leave.LeaveError, match="between"):
        ana, end = world.people["ana"], datetime(2027, 1, 5, tzinfo=UTC)
        leave.add_leave(session, ana, datetime(1, 1, 1, tzinfo=UTC), end, actor="t", now=NOW)


def test_add_and_remove_leave_are_audited(sessions, world):
    start, end = leave.whole_days(date(2027, 2, 1), date(2027, 2, 3), "UTC")
    with sessions.begin() as session:
        row = leave.add_leave(
            session, world.people["ana"], start, end, note="x", actor="ana", now=NOW
        )
        leave_id = row.id
    with sessions.begin() as session:
        leave.remove_leave(session, leave_id, actor="ana", now=NOW)
    with sessions() as session:
        audit = session.scalars(select(AuditRow).where(AuditRow.entity == "leave")).all()
        assert [a.action for a in audit] == ["leave.create", "leave.delete"]
        assert audit[0].after["person"] == "ana" and audit[1].before["note"] == "x"
        assert session.scalars(select(TimeOffRow)).all() == []


@pytest.mark.parametrize(
    ("start", "end", "kind"),
    [
        (datetime(2027, 2, 2, tzinfo=UTC), datetime(2027, 2, 1, tzinfo=UTC), "leave"),
        (datetime(2027, 2, 1), datetime(2027, 2, 2), "leave"),  # no time zone
        (datetime(2027, 2, 1, tzinfo=UTC), datetime(2027, 2, 2, tzinfo=UTC), "holiday"),
    ],
)
def test_bad_leave_is_refused(sessions, world, start, end, kind):
    with sessions() as session, pytest.raises(leave.LeaveError):
        leave.add_leave(session, world.people["ana"], start, end, kind=kind, actor="t", now=NOW)


def test_conflicts_are_the_published_shifts_the_leave_overlaps(sessions, world):
    shift = shift_of(sessions, "ops", 1, world)
    holder, evening = shift.person_id, shift.start.replace(hour=23)
    with sessions() as session:
        assert [a.id for a in leave.conflicts(session, holder, shift.start, evening)] == [shift.id]
        assert leave.conflicts(session, holder, shift.end, shift.end.replace(hour=23)) == []


def test_a_note_keeps_no_bidirectional_overrides_or_controls(sessions, world):
    # U+202E would reverse what follows it on the leave page and in the API's consumers.
    start, end = leave.whole_days(date(2027, 2, 1), date(2027, 2, 3), "UTC")
    with sessions.begin() as session:
        row = leave.add_leave(
            session,
            world.people["ana"],
            start,
            end,
            note="\u202efdp.exe\x1b]0;x\x07 dentist\u2066",
            actor="ana",
            now=NOW,
        )
        assert row.note == "fdp.exe dentist"
        blank = leave.add_leave(
            session, world.people["ana"], start, end, note="\u202e ", actor="ana", now=NOW
        )
        assert blank.note is None
