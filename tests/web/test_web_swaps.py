"""Swaps on the web: offer, trade, accept, decline, withdraw, approve; a refusal changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from support.builders import EVIL
from support.web_support import holder, login, post
from support.world import PAGES, shift_of

from scheduler.services import leave
from scheduler.store import AuditRow, SwapRow, TeamRow

NOW = PAGES.now


def _teammate(world, *not_these: int) -> str:
    """Name an Ops member other than these people (never the one named like a script tag)."""
    return next(k for k in ("ana", "ben", "cat", "dan") if world.people[k] not in not_these)


def _swaps(sessions) -> list[tuple[int, str]]:
    with sessions() as session:
        return list(session.execute(select(SwapRow.id, SwapRow.status).order_by(SwapRow.id)).all())


def test_offer_to_a_teammate_and_accept_changes_the_schedule(app, world, sessions):
    shift = shift_of(sessions, "ops", 1, world)
    giver = world.key_of(shift.person_id)
    taker = _teammate(world, shift.person_id)
    offering = app.test_client()
    login(offering, giver)
    page = offering.get(f"/shifts/{shift.id}").text
    assert "Who could take it" in page
    response = post(offering, f"/shifts/{shift.id}/offer", {"to_person_id": world.people[taker]})
    assert response.status_code == 302
    assert _swaps(sessions) == [(1, "open")]

    accepting = app.test_client()
    login(accepting, taker)
    listing = accepting.get("/swaps").text
    assert "Fairness effect" in listing and 'action="/swaps/1/accept"' in listing
    response = post(accepting, "/swaps/1/accept")
    assert response.status_code == 302
    assert "Swap accepted" in accepting.get(response.headers["Location"]).text
    assert holder(sessions, shift.id) == world.people[taker]
    assert _swaps(sessions) == [(1, "accepted")]
    schedule = accepting.get("/teams/ops").text
    assert f'href="/shifts/{shift.id}"' in schedule  # now the taker's own, highlighted shift
    with sessions() as session:
        accepted = session.scalars(select(AuditRow).where(AuditRow.action == "swap.accept")).one()
    assert accepted.actor == taker


def test_an_offer_to_anyone_is_taken_by_a_teammate(app, world, sessions):
    shift = shift_of(sessions, "ops", 1, world)
    giver = app.test_client()
    login(giver, world.key_of(shift.person_id))
    post(giver, f"/shifts/{shift.id}/offer", {"to_person_id": ""})
    taker = _teammate(world, shift.person_id)
    other = app.test_client()
    login(other, taker)
    assert "anyone on Ops" in other.get("/swaps").text
    post(other, "/swaps/1/accept")
    assert holder(sessions, shift.id) == world.people[taker]


def test_a_swap_that_breaks_a_rule_is_refused_and_changes_nothing(app, world, sessions):
    shift = shift_of(sessions, "ops", 1, world)
    taker = _teammate(world, shift.person_id)
    giver = app.test_client()
    login(giver, world.key_of(shift.person_id))
    post(giver, f"/shifts/{shift.id}/offer", {"to_person_id": world.people[taker]})
    with sessions.begin() as session:  # the taker books leave over the shift meanwhile
        leave.add_leave(session, world.people[taker], shift.start, shift.end, actor="t", now=NOW)
    client = app.test_client()
    login(client, taker)
    assert "would be refused" in client.get("/swaps").text  # the preview warns
    response = post(client, "/swaps/1/accept")
    page = client.get(response.headers["Location"]).text
    assert "Not done:" in page and "leave" in page.lower()
    assert holder(sessions, shift.id) == shift.person_id
    assert _swaps(sessions) == [(1, "open")]


def test_trade_two_shifts(app, world, sessions, clock):
    clock.now = datetime(2027, 1, 3, 12, tzinfo=UTC)  # before the plan: both weeks ahead
    first, second = shift_of(sessions, "ops", 0, world), shift_of(sessions, "ops", 1, world)
    assert first.person_id != second.person_id
    proposer = app.test_client()
    login(proposer, world.key_of(first.person_id))
    preview = proposer.get(f"/shifts/{first.id}?other={second.id}").text
    assert "trades their shift" in preview
    post(proposer, f"/shifts/{first.id}/trade", {"other_assignment_id": second.id})
    other = app.test_client()
    login(other, world.key_of(second.person_id))
    assert "Trade from" in other.get("/swaps").text
    post(other, "/swaps/1/accept")
    assert holder(sessions, first.id) == second.person_id
    assert holder(sessions, second.id) == first.person_id


def test_decline_and_withdraw(app, world, sessions):
    shift = shift_of(sessions, "ops", 1, world)
    giver_key = world.key_of(shift.person_id)
    taker = _teammate(world, shift.person_id)
    giver = app.test_client()
    login(giver, giver_key)
    post(giver, f"/shifts/{shift.id}/offer", {"to_person_id": world.people[taker]})
    other = app.test_client()
    login(other, taker)
    post(other, "/swaps/1/decline")
    post(giver, f"/shifts/{shift.id}/offer", {"to_person_id": ""})
    assert 'action="/swaps/2/cancel"' in giver.get("/swaps").text
    post(giver, "/swaps/2/cancel")
    assert _swaps(sessions) == [(1, "declined"), (2, "cancelled")]
    assert holder(sessions, shift.id) == shift.person_id


def test_a_team_that_needs_approval_waits_for_its_manager(app, world, sessions):
    with sessions.begin() as session:
        session.get(TeamRow, world.teams["ops"]).swaps_need_approval = True
    shift = shift_of(sessions, "ops", 1, world)
    taker = _teammate(world, shift.person_id)
    giver = app.test_client()
    login(giver, world.key_of(shift.person_id))
    post(giver, f"/shifts/{shift.id}/offer", {"to_person_id": world.people[taker]})
    other = app.test_client()
    login(other, taker)
    post(other, "/swaps/1/accept")
    assert _swaps(sessions) == [(1, "awaiting_approval")]
    assert holder(sessions, shift.id) == shift.person_id
    manager = app.test_client()
    login(manager, "opsboss")
    assert 'action="/swaps/1/approve"' in manager.get("/swaps").text
    post(manager, "/swaps/1/approve")
    assert holder(sessions, shift.id) == world.people[taker]


def test_a_started_shift_offers_no_swap(app, world, sessions):
    running = shift_of(sessions, "ops", 0, world)
    client = app.test_client()
    login(client, world.key_of(running.person_id))
    page = client.get(f"/shifts/{running.id}").text
    assert "can no longer be swapped" in page
    response = post(client, f"/shifts/{running.id}/offer", {"to_person_id": ""})
    assert "Not done:" in client.get(response.headers["Location"]).text
    assert _swaps(sessions) == []
    assert EVIL not in page


def _cancel_own_offer(app, world, sessions, back: str):
    """Offer a shift, then withdraw it through the form with this `back` field."""
    shift = shift_of(sessions, "ops", 1, world)
    client = app.test_client()
    login(client, world.key_of(shift.person_id))
    post(client, f"/shifts/{shift.id}/offer", {"to_person_id": ""})
    return post(client, "/swaps/1/cancel", {"back": back})


@pytest.mark.parametrize(
    "back", ["/%09/evil.example", "/\t/evil.example", "//evil.example", "/\\evil", "/x\r\nA: b"]
)
def test_the_back_field_never_leaves_the_site(app, world, sessions, back):
    response = _cancel_own_offer(app, world, sessions, back)
    assert response.status_code == 302
    assert response.headers["Location"] == "/swaps"
    assert _swaps(sessions) == [(1, "cancelled")]


def test_the_back_field_keeps_a_path_on_the_site(app, world, sessions):
    response = _cancel_own_offer(app, world, sessions, "/teams/ops?start=2027-01-04")
    assert response.headers["Location"] == "/teams/ops?start=2027-01-04"
