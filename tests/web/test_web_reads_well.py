"""Pages that read well: the fairness guard on the swap pages, refusals as a short list, forms
that keep their input, error pages in Rota's words, and a favicon."""

from __future__ import annotations

from sqlalchemy import select
from support.web_support import give_csrf, holder, login, post
from support.world import PAGES, shift_of

from scheduler.services import leave
from scheduler.store import OverrideRow, SwapRow

NOW = PAGES.now


def _statuses(sessions) -> list[str]:
    with sessions() as session:
        return list(session.scalars(select(SwapRow.status).order_by(SwapRow.id)))


def test_a_swap_held_by_the_fairness_guard_shows_why_and_a_manager_approves_it(
    app, world, sessions
):
    # Two weeks planned: whoever holds week 0 taking week 1 too doubles their load.
    week0, week1 = shift_of(sessions, "ops", 0, world), shift_of(sessions, "ops", 1, world)
    giver, taker = app.test_client(), app.test_client()
    login(giver, world.key_of(week1.person_id))
    page = giver.get(f"/shifts/{week1.id}?to={week0.person_id}").text
    assert "max load ratio: 2.00 → <strong>4.00</strong>" in page  # the effect, before asking
    assert "Held for a manager's approval" in page
    post(giver, f"/shifts/{week1.id}/offer", {"to_person_id": week0.person_id})
    login(taker, world.key_of(week0.person_id))
    response = post(taker, "/swaps/1/accept")
    page = taker.get(response.headers["Location"]).text
    assert "it now waits for a manager&#39;s approval, because this swap raises Ops" in page
    assert "&lt;i&gt;core&lt;/i&gt;&#39;s max load ratio from 2.00 to 4.00" in page  # escaped
    assert _statuses(sessions) == ["awaiting_approval"]
    assert holder(sessions, week1.id) == week1.person_id
    manager = app.test_client()
    login(manager, "opsboss")
    assert "Held by the fairness guard: this swap raises" in manager.get("/swaps").text
    post(manager, "/swaps/1/approve")
    assert _statuses(sessions) == ["accepted"]
    assert holder(sessions, week1.id) == week0.person_id


def test_a_refused_offer_lists_each_broken_rule_and_keeps_the_choice(app, world, sessions):
    shift = shift_of(sessions, "ops", 1, world)
    taker = next(k for k in ("ana", "ben", "cat", "dan") if world.people[k] != shift.person_id)
    with sessions.begin() as session:  # the teammate is away that week
        leave.add_leave(session, world.people[taker], shift.start, shift.end, actor="t", now=NOW)
    client = app.test_client()
    login(client, world.key_of(shift.person_id))
    page = client.get(f"/shifts/{shift.id}").text
    offered = page.split('name="to_person_id"')[1].split("</select>")[0]
    assert f'value="{world.people[taker]}"' not in offered  # only those the rulebook allows
    response = post(client, f"/shifts/{shift.id}/offer", {"to_person_id": world.people[taker]})
    assert response.headers["Location"] == f"/shifts/{shift.id}?to={world.people[taker]}"
    page = client.get(response.headers["Location"]).text
    assert "<p>Not done: it would break 1 rule.</p><ul><li>" in page
    assert f"If {taker.title()} takes this shift" in page  # the choice, previewed again
    assert _statuses(sessions) == []


def test_a_wrong_password_keeps_the_username_but_never_the_password(client, world):
    give_csrf(client)
    response = post(client, "/login", {"username": "ana<x>", "password": "wrong-password"})
    assert response.status_code == 401
    assert 'value="ana&lt;x&gt;"' in response.text
    assert "wrong-password" not in response.text


def test_error_pages_speak_rota_in_the_site_layout(client, world):
    login(client, "nobody")
    forbidden = client.get("/plans/")
    assert forbidden.status_code == 403
    assert "Not yours to do" in forbidden.text and "a manager of the team" in forbidden.text
    assert "permission to access" not in forbidden.text  # not Werkzeug's stock text
    assert 'class="brand"' in forbidden.text and "favicon.svg" in forbidden.text
    missing = client.get("/teams/nope")
    assert missing.status_code == 404 and "Nothing here" in missing.text
    login(client, "ana")
    bad = client.get("/teams/ops?start=yesterday")
    assert bad.status_code == 400 and "start must be a date like 2027-01-04." in bad.text


def test_a_server_error_is_a_page_in_rotas_words(app, world):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something broke on our side" in response.text
    assert "secret detail" not in response.text


def test_the_favicon_is_served_and_linked(client, world):
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert b"<svg" in icon.data
    assert 'rel="icon" href="/static/favicon.svg"' in client.get("/login").text
    old_style = client.get("/favicon.ico")  # browsers that ignore the link ask here
    assert old_style.status_code == 301 and old_style.location.endswith("/static/favicon.svg")


def test_every_error_status_has_rota_words(app):
    from werkzeug.exceptions import BadRequest, Forbidden, TooManyRequests

    from web import errors

    with app.test_request_context():
        assert errors.words(TooManyRequests()) == (
            "Slow down a little",
            "Too many attempts in a short time. Wait a minute, then try again.",
        )
        assert errors.words(Forbidden())[0] == "Not yours to do"
        assert errors.words(BadRequest("start must be a date."))[1] == "start must be a date."
        assert errors.words(BadRequest())[0] == "Rota could not read that"


def test_an_override_held_by_the_fairness_guard_shows_why_and_a_manager_approves_it(
    app, world, sessions
):
    # Week 0's holder covering all of week 1 doubles their load, as taking the shift would.
    week0, week1 = shift_of(sessions, "ops", 0, world), shift_of(sessions, "ops", 1, world)
    holder_client, cover_client = app.test_client(), app.test_client()
    login(holder_client, world.key_of(week1.person_id))
    page = holder_client.get(f"/shifts/{week1.id}").text
    form = page.split('id="override"')[1]
    start = form.split('name="from" value="')[1].split('"')[0]
    end = form.split('name="until" value="')[1].split('"')[0]
    option = form.split(f'<option value="{week0.person_id}">')[1].split("</option>")[0]
    assert option.endswith("max load ratio 2.00 → 4.00, needs a manager)")  # before asking
    assert "The fairness guard would hold a cover by" in form
    fields = {"how": "request", "start": start, "end": end, "cover_person_id": week0.person_id}
    post(holder_client, f"/shifts/{week1.id}/override", fields)
    login(cover_client, world.key_of(week0.person_id))
    response = post(cover_client, "/overrides/1/accept")
    page = cover_client.get(response.headers["Location"]).text
    assert "it now waits for a manager&#39;s approval, because this override raises Ops" in page
    with sessions() as session:
        held = session.get(OverrideRow, 1)
        assert held.status == "awaiting_approval" and "from 2.00 to 4.00" in held.guard_reason
    manager = app.test_client()
    login(manager, "opsboss")
    assert "Held by the fairness guard: this override raises" in manager.get("/swaps").text
    post(manager, "/overrides/1/approve")
    with sessions() as session:
        assert session.get(OverrideRow, 1).status == "accepted"
