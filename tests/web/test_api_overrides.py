"""The override endpoints of the JSON API: ask, list, accept, on call follows; refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support.world import API, Scenario, shifts

from scheduler.services import overrides
from scheduler.store import OverrideRow

NOW = API.now  # Tue 2027-01-05 12:00 UTC; three weeks of Checkout from Mon 2027-01-04


@pytest.fixture
def scenario() -> Scenario:
    return API


def call(client, world, user: str, method: str, path: str, body=None):
    headers = {"Authorization": f"Bearer {world.api[user]}"}
    return client.open("/api/v1" + path, method=method, headers=headers, json=body)


def last_primary(sessions, world):
    """Return the third week's primary shift and the key of someone who could cover its
    Tuesday evening (18:00-23:00 New York, 23:00-04:00 UTC)."""
    with sessions() as session:
        row = [r for r in shifts(session, world, "checkout", "primary")][-1]
        start = row.start + timedelta(days=1, hours=8)
        end = start + timedelta(hours=5)
        cover = overrides.eligible_covers(session, row, start, end)[0]
        return row.id, row.person.key, cover.key, start, end


def test_ask_accept_and_the_on_call_answer_names_the_cover(client, world, sessions):
    shift_id, holder, cover, start, end = last_primary(sessions, world)
    body = {"shift": shift_id, "cover": cover, "start": start.isoformat(), "end": end.isoformat()}
    response = call(client, world, holder, "POST", "/overrides", body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert (created["kind"], created["status"], created["cover"]["key"]) == (
        "request",
        "open",
        cover,
    )
    listed = call(client, world, cover, "GET", "/overrides?status=open").get_json()["overrides"]
    assert [o["id"] for o in listed] == [created["id"]]
    accepted = call(client, world, cover, "POST", f"/overrides/{created['id']}/accept")
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    during = (start + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    crew = call(client, world, holder, "GET", f"/oncall?at={during}").get_json()
    primary = next(e for t in crew["teams"] for e in t["oncall"] if e["role"] == "primary")
    assert primary["person"]["key"] == cover
    assert (primary["start"], primary["end"]) == (
        start.isoformat().replace("+00:00", "Z"),
        end.isoformat().replace("+00:00", "Z"),
    )
    after = call(
        client, world, holder, "GET", f"/oncall?at={end.isoformat().replace('+00:00', 'Z')}"
    )
    primary = next(
        e for t in after.get_json()["teams"] for e in t["oncall"] if e["role"] == "primary"
    )
    assert primary["person"]["key"] == holder
    listed = call(client, world, holder, "GET", "/teams/checkout/shifts").get_json()["shifts"]
    covered = next(s for s in listed if s["id"] == shift_id)
    assert [c["person"]["key"] for c in covered["covers"]] == [cover]


def test_refusals_say_why_and_store_nothing(client, world, sessions):
    shift_id, holder, cover, start, end = last_primary(sessions, world)
    cases = [
        ({"start": end.isoformat(), "end": start.isoformat()}, 409, "before it starts"),
        (
            {"start": (start - timedelta(days=9)).isoformat(), "end": end.isoformat()},
            409,
            "not inside the shift",
        ),
        ({"start": "tomorrow", "end": end.isoformat()}, 400, "start must be"),
    ]
    for times, status, words in cases:
        response = call(
            client,
            world,
            holder,
            "POST",
            "/overrides",
            {"shift": shift_id, "cover": cover, **times},
        )
        assert response.status_code == status and words in response.get_json()["message"]
    other = next(k for k in world.people if k not in (holder, cover))
    body = {"shift": shift_id, "cover": cover, "start": start.isoformat(), "end": end.isoformat()}
    assert call(client, world, other, "POST", "/overrides", body).status_code == 403
    assert call(client, world, holder, "POST", "/overrides/99999/accept").status_code == 404
    with sessions() as session:
        assert session.query(OverrideRow).count() == 0


def test_an_override_the_fairness_guard_holds_says_why(client, world, sessions):
    with sessions() as session:
        row = [r for r in shifts(session, world, "checkout", "primary")][-1]
        start, end = row.start, row.end  # all of it: someone's load doubles
        people = overrides.eligible_covers(session, row, start, end)
        verdicts = overrides.guard_covers(session, row, start, end, people)
        cover = next(p.key for p in people if verdicts[p.id].held)
        shift_id, holder = row.id, row.person.key
    body = {"shift": shift_id, "cover": cover, "start": start.isoformat(), "end": end.isoformat()}
    created = call(client, world, holder, "POST", "/overrides", body).get_json()
    assert created["guard_reason"] is None
    held = call(client, world, cover, "POST", f"/overrides/{created['id']}/accept").get_json()
    assert held["status"] == "awaiting_approval"
    assert held["guard_reason"].startswith("this override raises Checkout's max load ratio from ")
    with sessions() as session:
        assert session.get(OverrideRow, created["id"]).guard_reason == held["guard_reason"]
