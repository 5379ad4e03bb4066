"""Leave on the web: my own, my team's as a manager, and the clash with a published shift."""

from __future__ import annotations

from sqlalchemy import select
from support.web_support import login, post
from support.world import shift_of

from scheduler.store import AuditRow, TimeOffRow


def _leave(sessions) -> list[TimeOffRow]:
    with sessions() as session:
        return list(session.scalars(select(TimeOffRow).order_by(TimeOffRow.id)))


def test_an_engineer_enters_their_own_leave(client, world, sessions):
    login(client, "ana")
    form = {"first": "2027-03-01", "last": "2027-03-05", "kind": "leave", "note": "skiing"}
    response = post(client, "/leave", {"person_id": world.people["ana"], **form})
    assert response.status_code == 302
    [entry] = _leave(sessions)
    assert entry.person_id == world.people["ana"] and entry.source == "web"
    assert entry.start.isoformat() == "2027-02-28T23:00:00+00:00"  # midnight in Berlin
    assert entry.end.isoformat() == "2027-03-05T23:00:00+00:00"
    page = client.get(response.headers["Location"]).text
    assert "Leave recorded." in page and "skiing" in page and "Fri 05 Mar<" in page
    with sessions() as session:
        assert session.scalars(select(AuditRow.action)).all()[-1] == "leave.create"


def test_leave_over_a_published_shift_is_flagged_with_a_swap_link(client, world, sessions):
    shift = shift_of(sessions, "ops", 1, world)
    key = world.key_of(shift.person_id)
    login(client, key)
    response = post(
        client,
        "/leave",
        {"person_id": shift.person_id, "first": "2027-01-12", "last": "2027-01-13"},
    )
    page = client.get(response.headers["Location"]).text
    assert "is on call during this leave" in page
    assert f'href="/shifts/{shift.id}">Offer a swap' in page
    assert "Re-plan" not in page  # that is a manager's


def test_a_manager_enters_leave_for_their_team_and_may_re_plan(client, world, sessions):
    shift = shift_of(sessions, "ops", 1, world)
    login(client, "opsboss")
    page = client.get("/leave").text
    assert f'<option value="{world.people["ana"]}"' in page
    assert f'<option value="{world.people["olga"]}"' not in page  # DB is not theirs
    form = {"person_id": shift.person_id, "first": "2027-01-12", "last": "2027-01-12"}
    response = post(client, "/leave", form)
    page = client.get(response.headers["Location"]).text
    assert "/plans/?start=2027-01-04&amp;weeks=2" in page


def test_bad_dates_are_refused_and_nothing_is_stored(client, world, sessions):
    login(client, "ana")
    for form in (
        {"first": "2027-03-05", "last": "2027-03-01"},
        {"first": "someday", "last": "2027-03-01"},
        {"first": "2027-03-01", "last": "2027-03-01", "kind": "holiday"},
    ):
        response = post(client, "/leave", {"person_id": world.people["ana"], **form})
        assert response.status_code == 400 and "Leave not recorded" in response.text
    assert _leave(sessions) == []


def test_a_refused_leave_form_keeps_what_was_typed(client, world, sessions):
    login(client, "opsboss")
    form = {
        "person_id": world.people["ben"],
        "first": "2027-03-05",
        "last": "2027-03-01",
        "kind": "avoid",
        "note": "Dentist <b>again</b>",
    }
    page = post(client, "/leave", form).text
    assert "Leave not recorded" in page
    assert 'name="first" required value="2027-03-05"' in page
    assert 'name="last" required value="2027-03-01"' in page
    assert '<option value="avoid" selected>' in page
    assert 'value="Dentist &lt;b&gt;again&lt;/b&gt;"' in page  # kept, and escaped
    assert f'<option value="{world.people["ben"]}" selected>' in page
    assert _leave(sessions) == []


def test_delete_leave(client, world, sessions):
    login(client, "ana")
    post(client, "/leave", {"person_id": world.people["ana"], "first": "2027-03-01", "last": ""})
    [entry] = _leave(sessions)
    post(client, f"/leave/{entry.id}/delete")
    assert _leave(sessions) == []
