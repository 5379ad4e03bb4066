"""Accepting is atomic: racing accepts, each in its own session, never both succeed.

Runs on the SQLite file of the `engine` fixture and, with ROTA_DATABASE_URL set, on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select
from support.swap_fixtures import holders, one_person_per_shift_role, violations, week
from support.world import SWAPS, Scenario, shifts

from scheduler.services import swaps
from scheduler.services.swaps import SwapRefused
from scheduler.store import AssignmentRow, AuditRow, SwapRow

NOW = SWAPS.now


@pytest.fixture
def scenario() -> Scenario:
    return SWAPS


def race(sessions, attempts: list[tuple[int, int]]) -> list[tuple[str, int, str]]:
    """Accept `(swap id, person id)` pairs at once, one thread and session each.

    Return (outcome, person id, message) per attempt: "accepted", "refused" or "error".
    """
    barrier = threading.Barrier(len(attempts))
    outcomes: list[tuple[str, int, str]] = []
    lock = threading.Lock()

    def attempt(swap_id: int, person_id: int) -> None:
        barrier.wait()  # before touching the database: on SQLite, BEGIN IMMEDIATE queues us
        try:
            with sessions() as session:
                swaps.accept(session, swap_id, person_id, NOW)
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


def assert_consistent(session, world) -> None:
    """One person per shift and role, and the rulebook passes."""
    assert one_person_per_shift_role(session)
    assert violations(session, world.plan_id) == []


def test_twenty_concurrent_accepts_of_one_offer_make_exactly_one_swap(sessions, world):
    with sessions() as session:
        row = next(r for r in shifts(session, world, "ops", "primary") if week(r) == 2)
        holder = row.person_id
        takers = [s.person_id for s in swaps.suggest_takers(session, row.id, limit=20)]
        assert len(takers) >= 2
        offer = swaps.offer(session, row.id, holder, None, NOW)
        session.commit()
        row_id, offer_id = row.id, offer.id

    outcomes = race(sessions, [(offer_id, takers[i % len(takers)]) for i in range(20)])

    kinds = Counter(kind for kind, _, _ in outcomes)
    assert kinds == {"accepted": 1, "refused": 19}, outcomes
    assert {message for kind, _, message in outcomes if kind == "refused"} == {swaps.TAKEN}
    winner = next(person for kind, person, _ in outcomes if kind == "accepted")
    with sessions() as session:
        swap, row = session.get(SwapRow, offer_id), session.get(AssignmentRow, row_id)
        assert (swap.status, swap.accepted_by_id) == ("accepted", winner)
        assert (row.person_id, row.revision) == (winner, 1)
        accepted = session.scalar(
            select(func.count()).select_from(AuditRow).where(AuditRow.action == "swap.accept")
        )
        assert accepted == 1
        assert_consistent(session, world)


def test_different_swaps_of_one_shift_accepted_at_once_never_both_succeed(sessions, world):
    """A named offer of a shift, an open offer of it and a trade of it, all accepted at once."""
    with sessions() as session:
        tia = world.people["tia"]
        row = next(
            r
            for r in shifts(session, world, "ops", "primary")
            if week(r) >= 1 and tia not in holders(session, world, "ops", week(r))
        )
        partner = next(
            r for r in shifts(session, world, "ops", "secondary") if r.start == row.start
        )
        holder = row.person_id
        takers = [s.person_id for s in swaps.suggest_takers(session, row.id)]
        attempts = [
            (swaps.offer(session, row.id, holder, takers[0], NOW).id, takers[0]),
            (swaps.offer(session, row.id, holder, None, NOW).id, takers[-1]),
            (swaps.propose_trade(session, row.id, partner.id, holder, NOW).id, partner.person_id),
        ]
        session.commit()
        row_id = row.id

    outcomes = race(sessions, attempts)

    assert not [o for o in outcomes if o[0] == "error"], outcomes
    assert [o[0] for o in outcomes].count("accepted") == 1, outcomes
    for kind, _, message in outcomes:
        if kind == "refused":
            assert message in (swaps.TAKEN, swaps.CHANGED) or "changed meanwhile" in message
    winner = next(person for kind, person, _ in outcomes if kind == "accepted")
    with sessions() as session:
        statuses = Counter(session.get(SwapRow, swap_id).status for swap_id, _ in attempts)
        assert statuses == {"accepted": 1, "cancelled": 2}
        row = session.get(AssignmentRow, row_id)
        assert (row.person_id, row.revision) == (winner, 1)
        assert_consistent(session, world)


def test_swaps_of_one_plan_queue_so_together_they_break_no_rule(sessions, world):
    """Two offers, each fine alone, would together give one person both roles of a week.

    They touch different shifts, so no compare-and-set stops the second; the plan lock makes
    it wait for the first and be judged with it, and the rulebook refuses it.
    """
    with sessions() as session:
        crews = {}
        for row in shifts(session, world, "ops"):
            if row.role != "shadow":
                crews.setdefault(row.start, []).append(row)
        for crew in crews.values():
            takers = [{s.person_id for s in swaps.suggest_takers(session, r.id, 20)} for r in crew]
            common = sorted(set.intersection(*takers))
            if common:
                break
        assert common, "some week's primary and secondary could each go to one teammate"
        attempts = [
            (swaps.offer(session, r.id, r.person_id, common[0], NOW).id, common[0]) for r in crew
        ]
        session.commit()

    outcomes = race(sessions, attempts)

    assert [o[0] for o in outcomes].count("accepted") == 1, outcomes
    loser = next(message for kind, _, message in outcomes if kind == "refused")
    assert "one person takes one role per shift" in loser
    with sessions() as session:
        assert_consistent(session, world)
