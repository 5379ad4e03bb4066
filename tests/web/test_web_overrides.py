"""Overrides on the web: cover part of a shift from its page, answer on the swaps page, see the
pieces on the shift, my-shifts and schedule pages; bad input changes nothing."""

from __future__ import annotations

from markupsafe import escape
from sqlalchemy import select
from support.builders import EVIL
from support.web_support import login, post
from support.world import PAGES, shift_of

from scheduler.store import OverrideRow

NOW = PAGES.now  # Tue 2027-01-05 12:00 UTC: week 0's shift (Mon 09:00 UTC) has started


def _overrides(sessions) -> list[tuple[int, str]]:
    with sessions() as session:
        rows = select(OverrideRow.id, OverrideRow.status).order_by(OverrideRow.id)
        return list(session.execute(rows).all())


def test_the_holder_of_a_started_week_hands_off_an_evening_and_the_cover_accepts(
    app, world, sessions
):
    shift = shift_of(sessions, "ops", 0, world)
    holder = app.test_client()
    login(holder, world.key_of(shift.person_id))
    page = holder.get(f"/shifts/{shift.id}").text
    assert "Override / cover part of this shift" in page
    assert 'value="2027-01-05T12:00"' in page  # the rest of the shift: from now, on the quarter
    page = holder.get(f"/shifts/{shift.id}?from=2027-01-06T18:00&until=2027-01-06T23:00").text
    assert "Ask to cover" in page and EVIL not in page
    cover = world.people["evil"] if shift.person_id != world.people["evil"] else world.people["ana"]
    response = post(
        holder,
        f"/shifts/{shift.id}/override",
        {
            "how": "request",
            "start": "2027-01-06T18:00",
            "end": "2027-01-06T23:00",
            "cover_person_id": cover,
        },
    )
    assert response.status_code == 302
    assert _overrides(sessions) == [(1, "open")]

    taker = app.test_client()
    login(taker, world.key_of(cover))
    listing = taker.get("/swaps").text
    assert 'action="/overrides/1/accept"' in listing
    response = post(taker, "/overrides/1/accept")
    assert "Cover accepted" in taker.get(response.headers["Location"]).text
    assert _overrides(sessions) == [(1, "accepted")]
    name = escape(EVIL) if cover == world.people["evil"] else "Ana"
    for page in (
        taker.get("/teams/ops").text,
        holder.get(f"/shifts/{shift.id}").text,
        holder.get("/me/shifts").text,
    ):
        # Pages show the viewer's zone (Europe/Berlin here, an hour ahead of the team's UTC).
        assert f"Wed 19:00–Thu 00:00 covered by {name}" in page
        assert EVIL not in page
    assert "Covering for others" in taker.get("/me/shifts").text
    # The form now starts on the first stretch nobody covers, not on a range it must refuse.
    form = holder.get(f"/shifts/{shift.id}").text.split('id="override"')[1]
    assert 'name="from" value="2027-01-05T12:00"' in form
    assert 'name="until" value="2027-01-06T18:00"' in form
    assert "overlaps" not in form


def test_bad_ranges_are_refused_with_a_sentence_and_nothing_is_stored(app, world, sessions):
    shift = shift_of(sessions, "ops", 1, world)
    client = app.test_client()
    login(client, world.key_of(shift.person_id))
    cover = next(v for k, v in world.people.items() if k in ("ana", "ben") and v != shift.person_id)
    cases = {
        ("2027-01-13T23:00", "2027-01-13T18:00"): "before it starts",
        ("2027-01-01T18:00", "2027-01-01T23:00"): "is not inside the shift",
        ("tomorrow", "2027-01-13T23:00"): "Start must be a local time like",
        ("9999-12-31T23:00", "9999-12-31T23:59"): "Start must be between 1900-01-01 and",
        ("0001-01-01T00:00", "0001-01-01T01:00"): "Start must be between 1900-01-01 and",
    }
    for (start, end), words in cases.items():
        data = {"how": "request", "start": start, "end": end, "cover_person_id": cover}
        response = post(client, f"/shifts/{shift.id}/override", data)
        assert response.status_code == 302
        assert words in client.get(response.headers["Location"]).text
    assert _overrides(sessions) == []
    for bounds in ("from=9999-12-31T23:00&until=9999-12-31T23:59", "from=0001-01-01T00:00"):
        page = client.get(f"/shifts/{shift.id}?{bounds}")
        assert page.status_code == 200 and "From must be between 1900-01-01 and" in page.text
    data = {
        "how": "request",
        "start": "2027-01-13T18:00",
        "end": "2027-01-13T23:00",
        "cover_person_id": cover,
    }
    assert client.post(f"/shifts/{shift.id}/override", data=data).status_code == 400  # no CSRF
    assert _overrides(sessions) == []


def test_a_teammate_offers_and_only_a_manager_may_assign(app, world, sessions):
    shift = shift_of(sessions, "ops", 1, world)
    offerer = next(k for k in ("ana", "ben", "cat") if world.people[k] != shift.person_id)
    client = app.test_client()
    login(client, offerer)
    data = {"how": "offer", "start": "2027-01-13T18:00", "end": "2027-01-13T23:00"}
    assert post(client, f"/shifts/{shift.id}/override", data).status_code == 302
    assert _overrides(sessions) == [(1, "open")]
    assign = {**data, "how": "assign", "cover_person_id": world.people[offerer]}
    assert post(client, f"/shifts/{shift.id}/override", assign).status_code == 403
    boss = app.test_client()
    login(boss, "opsboss")
    assign["start"], assign["end"] = "2027-01-14T18:00", "2027-01-14T23:00"
    response = post(boss, f"/shifts/{shift.id}/override", assign)
    assert "Cover assigned" in boss.get(response.headers["Location"]).text
    assert _overrides(sessions) == [(1, "open"), (2, "accepted")]
