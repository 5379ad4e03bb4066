"""Bounded inputs on the web: dates outside 1900-2200, ids beyond 2^31 and NUL characters
answer 4xx with a sentence (or a refusal on the form), never 500, and store nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from support.web_support import login, post
from support.world import shift_of

from scheduler.store import SwapRow, TimeOffRow

HUGE = [2**31, 2**63, 10**30]


def _stored(sessions) -> tuple[list, list]:
    with sessions() as session:
        return (
            session.scalars(select(TimeOffRow.id)).all(),
            session.scalars(select(SwapRow.id)).all(),
        )


@pytest.mark.parametrize(
    ("first", "last"),
    [("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-02"), ("2027-01-04", "2201-01-01")],
)
def test_leave_outside_the_supported_years_is_refused(client, world, sessions, first, last):
    login(client, "ana")
    form = {"person_id": world.people["ana"], "first": first, "last": last}
    response = post(client, "/leave", form)
    assert response.status_code == 400
    page = response.text
    assert "Leave not recorded" in page and "1900-01-01" in page
    assert _stored(sessions) == ([], [])
    assert client.get("/teams/ops").status_code == 200


@pytest.mark.parametrize("huge", HUGE)
def test_ids_beyond_what_the_database_holds_are_4xx(client, world, sessions, huge):
    login(client, "opsboss")
    assert client.get(f"/plans/{huge}").status_code == 404
    assert post(client, f"/plans/{huge}/publish").status_code == 404
    assert client.get(f"/shifts/{huge}").status_code == 404
    assert post(client, f"/swaps/{huge}/accept").status_code == 404
    assert post(client, f"/leave/{huge}/delete").status_code == 404
    assert client.get(f"/fairness/?plan={huge}").status_code == 400
    assert post(client, "/leave", {"person_id": huge, "first": "2027-03-01"}).status_code == 400
    shift = shift_of(sessions, "ops", 1, world)
    login(client, world.key_of(shift.person_id))
    assert client.get(f"/shifts/{shift.id}?to={huge}").status_code == 400
    assert post(client, f"/shifts/{shift.id}/offer", {"to_person_id": huge}).status_code == 400
    trade = post(client, f"/shifts/{shift.id}/trade", {"other_assignment_id": huge})
    assert trade.status_code == 400
    assert _stored(sessions) == ([], [])


@pytest.mark.parametrize(
    ("url", "form"),
    [
        ("/leave", {"first": "2027-03-01", "note": "a\x00b"}),
        ("/leave", {"first": "2027-03-01\x00"}),
        ("/leave", {"first": "2027-03-01", "kind\x00": "x"}),
        ("/plans/generate", {"start": "2027-03-01", "weeks": "1\x00"}),
    ],
)
def test_nul_characters_in_form_fields_are_400(client, world, sessions, url, form):
    login(client, "opsboss")
    response = post(client, url, {"person_id": world.people["ana"], **form})
    assert response.status_code == 400
    assert "NUL" in response.text
    assert _stored(sessions) == ([], [])


def test_nul_characters_in_the_sign_in_form_and_query_are_400(client, world):
    assert client.get("/teams/ops?start=2027-01-04\x00").status_code in (302, 400)
    login(client, "ana")
    assert client.get("/teams/ops?start=2027-01-04%00").status_code == 400
    response = post(client, "/login", {"username": "ana\x00", "password": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize("start", ["0001-01-01", "9999-12-27", "2201-01-05"])
def test_dates_outside_the_supported_years_are_400_on_pages(client, world, start):
    login(client, "opsboss")
    assert client.get(f"/teams/ops?start={start}").status_code == 400
    response = post(client, "/plans/generate", {"start": start, "weeks": "1"})
    assert response.status_code == 400 and "1900-01-01" in response.text
