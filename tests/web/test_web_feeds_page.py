"""The feeds page: a link shown once when made, webcal and Google links, rotation revokes."""

from __future__ import annotations

import re
from urllib.parse import quote

from support.web_support import login, post
from support.world import shift_of

FEED_URL = re.compile(r'value="(http://localhost/feeds/([A-Za-z0-9_-]+)\.ics)"')


def _make_link(client, subject: str = "person") -> tuple[str, str, str]:
    """Make a new link for a feed; return the page, the URL and its path."""
    response = post(client, "/me/feeds/rotate", {"subject": subject})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    url = FEED_URL.search(response.text).group(1)
    return response.text, url, url.removeprefix("http://localhost")


def test_a_new_link_is_shown_once_with_subscribe_links(client, world):
    login(client, "ana")
    page = client.get("/me/feeds").text
    assert "My shifts (Ana)" in page and "No link yet" in page
    html, url, path = _make_link(client)
    assert f'href="{url.replace("http://", "webcal://")}"' in html
    assert f'href="https://calendar.google.com/calendar/r?cid={quote(url, safe="")}"' in html
    assert "it will not be shown again" in html
    feed = client.get(path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    again = client.get("/me/feeds").text
    assert url not in again and "A link is live" in again


def test_rotating_revokes_the_old_link(client, world):
    login(client, "ana")
    _, _, old = _make_link(client)
    _, _, new = _make_link(client)
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_team_links_are_per_user(app, world):
    ana, ben = app.test_client(), app.test_client()
    login(ana, "ana")
    login(ben, "ben")
    subject = f"team:{world.teams['ops']}"
    _, _, ana_link = _make_link(ana, subject)
    _, _, ben_link = _make_link(ben, subject)
    _, _, ana_new = _make_link(ana, subject)
    assert ana.get(ana_link).status_code == 404
    assert ben.get(ben_link).status_code == 200  # Ana's rotation left Ben's link alone
    assert b"BEGIN:VCALENDAR" in ana.get(ana_new).data


def test_a_swap_through_the_web_changes_both_feeds(app, world, sessions):
    shift = shift_of(sessions, "ops", 1, world)
    giver_key = world.key_of(shift.person_id)
    taker_key = next(k for k in ("ana", "ben", "cat", "dan") if k != giver_key)
    giver, taker = app.test_client(), app.test_client()
    login(giver, giver_key)
    login(taker, taker_key)
    giver_feed = _make_link(giver)[2]
    taker_feed = _make_link(taker)[2]
    before = giver.get(giver_feed).data.count(b"BEGIN:VEVENT"), taker.get(taker_feed).data
    post(giver, f"/shifts/{shift.id}/offer", {"to_person_id": world.people[taker_key]})
    post(taker, "/swaps/1/accept")
    assert giver.get(giver_feed).data.count(b"BEGIN:VEVENT") == before[0] - 1
    after = taker.get(taker_feed).data
    assert after.count(b"BEGIN:VEVENT") == before[1].count(b"BEGIN:VEVENT") + 1
