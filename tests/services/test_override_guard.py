"""The fairness guard on overrides: a cover that makes a team much less fair waits for a
manager, with the reason stored (docs/fairness.md#the-fairness-guard).

The swap org with its guard on: four weeks without history, so covering a whole second DB
week doubles someone's load, while covering five evening hours barely moves anyone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from support.builders import swap_org
from support.override_fixtures import covers, db_shift, evening
from support.swap_fixtures import violations
from support.world import Scenario, shifts

from scheduler.domain.overrides import rest_of_shift
from scheduler.services import accounts, overrides
from scheduler.services.overrides import apply as applying
from scheduler.store import AssignmentRow, OverrideRow, TeamRow, assignment_from_row

NOW = datetime(2027, 1, 3, 12, tzinfo=UTC)
REASON = re.compile(
    r"this override raises DB's max load ratio from (\d\.\d\d) to (\d\.\d\d) "
    r"\((.+) would carry (\d\.\d\d)x their fair share\)"
)


@pytest.fixture
def scenario() -> Scenario:
    return Scenario(lambda: swap_org(guard=True), weeks=4, now=NOW)


def overloading_cover(session, world):
    """Return a DB shift, its whole range and a cover whom the guard would hold for it."""
    for row in shifts(session, world, "db"):
        start, end = rest_of_shift(assignment_from_row(row), NOW)
        for cover in covers(session, row, start, end):
            if applying.guard(session, row, start, end, world.key_of(cover)).held:
                return row, start, end, cover
    raise AssertionError("no DB shift has a cover the guard holds")


def test_an_override_that_overloads_someone_waits_for_a_manager_with_its_reason(sessions, world):
    with sessions() as session:
        row, start, end, cover = overloading_cover(session, world)
        holder = row.person_id
        verdict = applying.guard(session, row, start, end, world.key_of(cover))
        assert verdict.after > verdict.before + 0.10 and verdict.after > 1.20
        asked = overrides.request_cover(session, row.id, holder, cover, start, end, NOW)
        overrides.accept(session, asked.id, cover, NOW)
        session.commit()
        stored = session.get(OverrideRow, asked.id)
        assert stored.status == "awaiting_approval"
        assert session.get(AssignmentRow, row.id).revision == 0  # nothing split yet
        found = REASON.fullmatch(stored.guard_reason)
        assert found, stored.guard_reason
        assert found.group(1, 2) == (f"{verdict.before:.2f}", f"{verdict.after:.2f}")


def test_a_manager_approving_a_held_override_applies_it(sessions, world):
    with sessions.begin() as session:
        boss = accounts.add_user(
            session, "boss", "pw-boss-123", manages=("db",), org_id=world.org_id,
            actor="test", now=NOW,
        ).id  # fmt: skip
    with sessions() as session:
        row, start, end, cover = overloading_cover(session, world)
        asked = overrides.request_cover(session, row.id, row.person_id, cover, start, end, NOW)
        overrides.accept(session, asked.id, cover, NOW)
        session.commit()
        overrides.approve(session, asked.id, boss, NOW)
        session.commit()
        assert session.get(OverrideRow, asked.id).status == "accepted"
        assert session.get(AssignmentRow, row.id).revision == 1
        assert violations(session, world.plan_id) == []


def test_a_harmless_override_goes_through(sessions, world):
    with sessions() as session:
        row = db_shift(session, world)
        start, end = evening(row)
        cover = next(
            c
            for c in covers(session, row, start, end)
            if not applying.guard(session, row, start, end, world.key_of(c)).held
        )
        asked = overrides.request_cover(session, row.id, row.person_id, cover, start, end, NOW)
        overrides.accept(session, asked.id, cover, NOW)
        session.commit()
        stored = session.get(OverrideRow, asked.id)
        assert stored.status == "accepted" and stored.guard_reason is None


def test_with_the_guard_off_the_same_override_goes_through(sessions, world):
    with sessions() as session:
        row, start, end, cover = overloading_cover(session, world)
        row_id = row.id
    with sessions.begin() as session:
        session.execute(update(TeamRow).where(TeamRow.key == "db").values(fairness_guard=False))
    with sessions() as session:
        row = session.get(AssignmentRow, row_id)
        verdict = applying.guard(session, row, start, end, world.key_of(cover))
        assert verdict.after > 1.20 and not verdict.held  # measured, not held
        asked = overrides.request_cover(session, row.id, row.person_id, cover, start, end, NOW)
        overrides.accept(session, asked.id, cover, NOW)
        session.commit()
        stored = session.get(OverrideRow, asked.id)
        assert stored.status == "accepted" and stored.guard_reason is None
