"""The fairness guard on swaps: a swap that makes a team much less fair waits for a manager.

The swap org with its guard on: four weeks without history, so a second DB week for anyone
doubles their load, while a trade of two DB weeks changes nobody's.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import update
from support.builders import swap_org
from support.swap_fixtures import violations
from support.world import Scenario, shifts

from scheduler.services import accounts, swaps
from scheduler.store import AssignmentRow, SwapRow, TeamRow

NOW = datetime(2027, 1, 3, 12, tzinfo=UTC)
REASON = re.compile(
    r"this swap raises DB's max load ratio from (\d\.\d\d) to (\d\.\d\d) "
    r"\((.+) would carry (\d\.\d\d)x their fair share\)"
)


@pytest.fixture
def scenario() -> Scenario:
    return Scenario(lambda: swap_org(guard=True), weeks=4, now=NOW)


def overloading_offer(session, world) -> tuple[AssignmentRow, int]:
    """Return a DB shift and a teammate whose taking it the guard would hold."""
    for row in shifts(session, world, "db"):
        held = [s for s in swaps.suggest_takers(session, row.id, limit=None) if s.held]
        if held:
            return row, held[0].person_id
    raise AssertionError("no DB shift has a taker the guard holds")


def test_a_swap_that_overloads_someone_waits_for_a_manager_with_its_reason(sessions, world):
    with sessions() as session:
        row, taker = overloading_offer(session, world)
        holder = row.person_id
        preview = swaps.preview(session, row.id, taker)
        assert preview.allowed and preview.guard.held  # shown before anyone asks
        assert preview.guard.after > preview.guard.before + 0.10 and preview.guard.after > 1.20
        swap = swaps.offer(session, row.id, holder, taker, NOW)
        swaps.accept(session, swap.id, taker, NOW)
        session.commit()
        assert swap.status == "awaiting_approval" and swap.accepted_by_id == taker
        assert session.get(AssignmentRow, row.id).person_id == holder  # nothing moved
        found = REASON.fullmatch(swap.guard_reason)
        assert found, swap.guard_reason
        before, after, _, carried = found.groups()
        assert (before, after) == (f"{preview.guard.before:.2f}", f"{preview.guard.after:.2f}")
        assert carried == after


def test_a_manager_approving_a_held_swap_carries_it_out(sessions, world):
    with sessions.begin() as session:
        boss = accounts.add_user(
            session, "boss", "pw-boss-123", manages=("db",), org_id=world.org_id,
            actor="test", now=NOW,
        ).id  # fmt: skip
    with sessions() as session:
        row, taker = overloading_offer(session, world)
        swap = swaps.offer(session, row.id, row.person_id, taker, NOW)
        swaps.accept(session, swap.id, taker, NOW)
        session.commit()
        assert swap in swaps.awaiting_approval_for(session, boss)
        swaps.approve(session, swap.id, boss, NOW)
        session.commit()
        assert swap.status == "accepted"
        assert session.get(AssignmentRow, row.id).person_id == taker
        assert violations(session, world.plan_id) == []


def test_a_harmless_trade_is_not_held(sessions, world):
    with sessions() as session:
        row, other = next(
            (r, candidates[0])
            for r in shifts(session, world, "db")
            if (candidates := swaps.tradable(session, r.id, NOW))
        )
        mine, theirs = row.person_id, other.person_id
        preview = swaps.preview(session, row.id, None, other.id)
        assert not preview.guard.held
        assert preview.guard.after == pytest.approx(preview.guard.before)
        swap = swaps.propose_trade(session, row.id, other.id, mine, NOW)
        swaps.accept(session, swap.id, theirs, NOW)
        session.commit()
        assert swap.status == "accepted" and swap.guard_reason is None
        assert session.get(AssignmentRow, row.id).person_id == theirs


def test_with_the_guard_off_the_same_swap_goes_through(sessions, world):
    with sessions.begin() as session:
        session.execute(update(TeamRow).where(TeamRow.key == "db").values(fairness_guard=False))
    with sessions() as session:
        row, taker = None, None
        for candidate in shifts(session, world, "db"):
            takers = swaps.suggest_takers(session, candidate.id, limit=None)
            preview = [swaps.preview(session, candidate.id, s.person_id) for s in takers]
            overloading = [
                (s, p) for s, p in zip(takers, preview, strict=True) if p.guard.after > 1.3
            ]
            if overloading:
                row, taker = candidate, overloading[0][0].person_id
                assert not overloading[0][1].guard.held  # measured, not held
                break
        assert row is not None
        swap = swaps.offer(session, row.id, row.person_id, taker, NOW)
        swaps.accept(session, swap.id, taker, NOW)
        session.commit()
        assert session.get(SwapRow, swap.id).status == "accepted"
        assert session.get(AssignmentRow, row.id).person_id == taker


def test_trades_offered_pass_the_rulebook_and_never_mix_shadow_and_rotation_roles(sessions, world):
    with sessions() as session:
        for row in shifts(session, world, "ops"):
            for other in swaps.tradable(session, row.id, NOW):
                assert (other.role == "shadow") == (row.role == "shadow")
                assert other.person_id != row.person_id and other.team_id == row.team_id
                preview = swaps.preview(session, row.id, None, other.id)
                assert preview.allowed, preview.lines
        primary = next(r for r in shifts(session, world, "ops", "primary"))
        shadow = next(r for r in shifts(session, world, "ops", "shadow"))
        with pytest.raises(swaps.SwapRefused, match="shadow place trades only"):
            swaps.propose_trade(session, primary.id, shadow.id, primary.person_id, NOW)
