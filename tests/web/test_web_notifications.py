"""Notifications on the web: the unread badge, the list, mark read, and the admin's failing list."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select
from support.web_support import login, post
from support.world import PAGES, shift_of

from scheduler.services import notify
from scheduler.store import DeliveryRow, NotificationRow, TeamRow

NOW = PAGES.now
HOOK = "https://hooks.example.org/services/T1/SECRET"


def badge(page: str) -> int:
    """Read the unread count beside Notifications in the nav (0 when no badge shows)."""
    found = re.search(
        r'class="notifications-link">Notifications(?: <span class="badge"[^>]*>(\d+)<)?', page
    )
    assert found, "no Notifications link in the nav"
    return int(found.group(1) or 0)


def unread(sessions, person_id: int) -> list[NotificationRow]:
    with sessions() as session:
        query = select(NotificationRow).where(
            NotificationRow.person_id == person_id, NotificationRow.read_at.is_(None)
        )
        return list(session.scalars(query.order_by(NotificationRow.id)))


def test_an_offer_raises_the_takers_badge_and_reading_lowers_it(app, world, sessions):
    shift = shift_of(sessions, "ops", 1, world)
    giver = world.key_of(shift.person_id)
    taker = next(k for k in ("ana", "ben", "cat", "dan") if world.people[k] != shift.person_id)
    taking = app.test_client()
    login(taking, taker)
    before = badge(taking.get("/").text)
    assert before == len(unread(sessions, world.people[taker]))  # the plan's first publish

    offering = app.test_client()
    login(offering, giver)
    assert (
        post(
            offering, f"/shifts/{shift.id}/offer", {"to_person_id": world.people[taker]}
        ).status_code
        == 302
    )
    assert badge(taking.get("/").text) == before + 1
    page = taking.get("/notifications").text
    assert "offers you a shift" in page and 'href="/swaps"' in page

    newest = unread(sessions, world.people[taker])[-1]
    assert taking.post(f"/notifications/{newest.id}/read").status_code == 400  # no CSRF token
    assert post(offering, f"/notifications/{newest.id}/read").status_code == 404  # not theirs
    assert post(taking, f"/notifications/{newest.id}/read").status_code == 302
    assert badge(taking.get("/").text) == before
    assert post(taking, "/notifications/read-all").status_code == 302
    assert badge(taking.get("/").text) == 0 and unread(sessions, world.people[taker]) == []
    assert "Mark all read" not in taking.get("/notifications").text


def test_the_badge_needs_sign_in_and_the_list_shows_only_mine(app, world, sessions):
    anonymous = app.test_client()
    assert anonymous.get("/notifications").status_code == 302
    assert "notifications-link" not in anonymous.get("/login").text
    olga = app.test_client()
    login(olga, "olga")
    page = olga.get("/notifications").text
    with sessions() as session:
        others = session.scalars(
            select(NotificationRow).where(NotificationRow.person_id != world.people["olga"])
        ).all()
    assert others and all(f'id="notification-{n.id}"' not in page for n in others)


def failing_hook(sessions, world) -> int:
    """Queue a team message that failed once (a webhook answering 500); return its id."""
    with sessions.begin() as session:
        team = session.get(TeamRow, world.teams["ops"])
        team.webhook_url = HOOK
        row = notify.team_message(session, team, "Ana offers a shift.", NOW)
        row.attempts, row.last_attempt_at = 1, NOW
        row.last_error = "webhook https://hooks.example.org answered HTTP 500 oops"
        row.next_attempt_at = NOW + timedelta(minutes=1)
        session.flush()
        return row.id


def test_admins_see_failing_deliveries_and_retry_them_now(app, world, sessions):
    delivery_id = failing_hook(sessions, world)
    for username in ("ana", "opsboss"):
        client = app.test_client()
        login(client, username)
        assert client.get("/admin/deliveries").status_code == 403
        assert post(client, f"/admin/deliveries/{delivery_id}/retry").status_code == 403
    admin = app.test_client()
    login(admin, "admin")
    assert 'href="/admin/deliveries"' in admin.get("/").text
    page = admin.get("/admin/deliveries").text
    assert "answered HTTP 500 oops" in page and f'id="delivery-{delivery_id}"' in page
    assert "SECRET" not in page  # a webhook URL is a secret: only its host shows
    assert admin.post(f"/admin/deliveries/{delivery_id}/retry").status_code == 400  # no CSRF
    response = post(admin, f"/admin/deliveries/{delivery_id}/retry")
    assert response.status_code == 302
    assert "will be retried" in admin.get(response.headers["Location"]).text
    with sessions() as session:
        row = session.get(DeliveryRow, delivery_id)
        assert (row.status, row.next_attempt_at, row.attempts) == ("pending", NOW, 1)
    assert post(admin, "/admin/deliveries/999999/retry").status_code == 404
