"""Covering is atomic: people accepting cover for the same hours at once, exactly one wins.

Runs on the SQLite file of the `engine` fixture and, with ROTA_DATABASE_URL set, on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from support.override_fixtures import covers, db_shift, evening
from support.swap_fixtures import violations
from support.world import SWAPS, Scenario

from scheduler.services import overrides
from scheduler.services.swaps import SwapRefused
from scheduler.store import AssignmentRow, AuditRow, OverrideRow

NOW = SWAPS.now


@pytest.fixture
def scenario() -> Scenario:
    return SWAPS


def race(sessions, attempts: list[tuple[int, int]]) -> list[tuple[str, int, str]]:
    """Accept `(override id, person id)` pairs at once, one thread and session each."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[tuple[str, int, str]] = []
    lock = threading.Lock()

    def attempt(override_id: int, person_id: int) -> None:
        barrier.wait()
        try:
            with sessions() as session:
                overrides.accept(session, override_id, person_id, NOW)
                session.commit()
            outcome = ("accepted", person_id, "")
        except SwapRefused as refusal:
            outcome = ("refused", person_id, refusal.message)
        except Exception as error:  # noqa: BLE001 - any other failure is what the test hunts
            outcome = ("error", person_id, repr(error))
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=pair) for pair in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "an accept hung"
    return outcomes


def test_people_covering_the_same_hours_at_once_exactly_one_wins(sessions, world):
    """The holder asks everyone eligible to cover overlapping evenings; all accept at once."""
    with sessions() as session:
        row = db_shift(session, world)
        start, end = evening(row)
        takers = covers(session, row, start, end)
        assert len(takers) >= 2
        asked = [
            overrides.request_cover(
                session, row.id, row.person_id, taker, start + timedelta(hours=n), end, NOW
            ).id
            for n, taker in enumerate(takers)
        ]
        session.commit()
        row_id = row.id

    outcomes = race(sessions, list(zip(asked, takers, strict=True)))

    kinds = Counter(kind for kind, _, _ in outcomes)
    assert kinds == {"accepted": 1, "refused": len(takers) - 1}, outcomes
    for kind, _, message in outcomes:
        if kind == "refused":
            assert "covered meanwhile" in message or "overlaps the override" in message, message
    winner = next(person for kind, person, _ in outcomes if kind == "accepted")
    with sessions() as session:
        statuses = Counter(session.get(OverrideRow, i).status for i in asked)
        assert statuses == {"accepted": 1, "cancelled": len(takers) - 1}
        accepted = session.scalar(select(OverrideRow).where(OverrideRow.status == "accepted"))
        assert accepted.cover_id == winner
        assert session.get(AssignmentRow, row_id).revision == 1
        splits = session.scalar(
            select(func.count())
            .select_from(AuditRow)
            .where(AuditRow.action == "assignment.override")
        )
        assert splits == 1
        assert violations(session, world.plan_id) == []
