"""The pages: who is on call at a frozen time, the schedule, my shifts, fairness, and escaping."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from support.builders import EVIL
from support.web_support import login, post
from support.world import PAGES, shift_of

from scheduler.services import leave, oncall, planning, swaps
from scheduler.store import PersonRow

NOW = PAGES.now


def _name(sessions, person_id: int) -> str:
    with sessions() as session:
        return session.get(PersonRow, person_id).name


def _section(html: str, team_name: str) -> str:
    """Return the home page's card of one team."""
    start = html.index(f">{team_name}</a></h2>")
    end = html.find('<section class="card">', start)
    return html[start : end if end != -1 else len(html)]


def _crew(card: str, heading: str) -> str:
    part = card.split(f"<h3>{heading}</h3>", 1)[1]
    return part.split("<h3>", 1)[0]


def test_home_shows_who_is_on_call_now_and_next_at_a_frozen_time(client, world, sessions):
    ops_now, ops_next = shift_of(sessions, "ops", 0, world), shift_of(sessions, "ops", 1, world)
    db_now = shift_of(sessions, "db", 0, world)
    login(client, "ana")
    html = client.get("/").text
    ops = _section(html, "Ops &lt;i&gt;core&lt;/i&gt;")
    escaped = {EVIL: "&lt;script&gt;alert(1)&lt;/script&gt;"}
    now_name, next_name = (_name(sessions, a.person_id) for a in (ops_now, ops_next))
    assert escaped.get(now_name, now_name) in _crew(ops, "Now")
    assert escaped.get(next_name, next_name) in _crew(ops, "Next")
    db_name = _name(sessions, db_now.person_id)
    assert escaped.get(db_name, db_name) in _crew(_section(html, "DB"), "Now")
    # In the viewer's zone: Ana is in Berlin, the handoff is Monday 09:00 UTC.
    assert "Tue 05 Jan 13:00 (Europe/Berlin)" in html  # this year: no year shown
    assert "until Mon 11 Jan 10:00" in ops


def test_home_follows_the_clock(client, world, sessions, clock):
    ops_next = shift_of(sessions, "ops", 1, world)
    clock.now = datetime(2027, 1, 12, 12, tzinfo=UTC)  # week two
    login(client, "olga")
    ops = _section(client.get("/").text, "Ops &lt;i&gt;core&lt;/i&gt;")
    name = _name(sessions, ops_next.person_id)
    assert (name if name != EVIL else "&lt;script&gt;") in _crew(ops, "Now")
    assert "No later shift is published" in _crew(ops, "Next")
    clock.now = datetime(2027, 2, 1, tzinfo=UTC)  # after the plan
    assert "Nobody: no published shift" in client.get("/").text


def test_home_matches_the_on_call_service(client, world, sessions):
    with sessions() as session:
        expected = oncall.on_call(session, world.org_id, NOW)
    login(client, "admin")
    html = client.get("/").text
    for entry in expected:
        name = entry.person_name.replace("<", "&lt;").replace(">", "&gt;")
        assert f"<strong>{name}</strong>" in html


def test_team_schedule_highlights_my_shifts_and_pages_by_quarter(client, world, sessions):
    first = shift_of(sessions, "ops", 0, world)
    holder = next(k for k, v in world.people.items() if v == first.person_id)
    login(client, holder)
    html = client.get("/teams/ops").text
    assert html.count('<tr class="mine') == 1
    assert f'href="/shifts/{first.id}"' in html
    assert "Mon 04 Jan – Sun 04 Apr" in html
    assert 'href="/teams/ops?start=2026-10-05" rel="prev"' in html
    assert 'href="/teams/ops?start=2027-04-05" rel="next"' in html
    earlier = client.get("/teams/ops?start=2026-10-05").text
    assert "Nothing published" in earlier and '<tr class="mine' not in earlier
    assert client.get("/teams/ops?start=yesterday").status_code == 400
    assert client.get("/teams/nope").status_code == 404


def test_dates_show_their_year_only_when_it_is_not_this_one(client, world, clock):
    login(client, "ana")
    assert "Mon 04 Jan – Sun 04 Apr" in client.get("/teams/ops").text
    clock.now = datetime(2026, 12, 20, 12, tzinfo=UTC)  # the plan is next year's
    html = client.get("/teams/ops").text
    assert "Mon 04 Jan 2027 – Sun 04 Apr 2027" in html
    assert "Mon 04 Jan 2027 10:00" in html  # a handoff, in Berlin
    assert "Sun 20 Dec 13:00" in client.get("/").text  # now, this year


def test_team_schedule_opens_on_the_current_week_of_the_published_plan(client, world, clock):
    login(client, "ana")
    clock.now = datetime(2027, 1, 13, 12, tzinfo=UTC)  # the plan's second week
    html = client.get("/teams/ops").text
    assert "Mon 11 Jan – Sun 11 Apr" in html
    assert html.count("this week</span>") == 1 and 'id="week-2027-01-11"' in html
    assert 'href="/teams/ops?start=2026-10-12" rel="prev"' in html


def test_team_schedule_shows_leave_in_whole_days_of_its_person(client, world, sessions):
    start, end = leave.whole_days(date(2027, 1, 13), date(2027, 1, 14), "Europe/Berlin")
    with sessions.begin() as session:
        leave.add_leave(session, world.people["ben"], start, end, actor="test", now=NOW)
    login(client, "ana")
    html = client.get("/teams/ops").text
    away = re.findall(r'<td rowspan="\d+" class="away">(.*?)</td>', html, re.S)
    # the second week, its last day shown
    assert "Ben" in away[1] and "Wed 13 Jan – Thu 14 Jan" in away[1]
    assert "Ben" not in away[0]


def test_my_shifts_show_my_load_fair_share_and_ratio(client, world, sessions):
    future = shift_of(sessions, "ops", 1, world)
    key = next(k for k, v in world.people.items() if v == future.person_id)
    with sessions() as session:
        mine = next(
            p for p in planning.fairness_of(session, world.plan_id).people if p.person == key
        )
    login(client, key)
    html = client.get("/me/shifts").text
    assert f'<td class="num">{mine.load}</td>' in html
    assert f'<td class="num">{mine.fair_share:.1f}</td>' in html
    assert f'<td class="num">{mine.ratio:.2f}</td>' in html
    assert f'action="/shifts/{future.id}/offer"' in html


def test_fairness_pages_and_chart(client, world):
    login(client, "ana")
    org = client.get("/fairness/").text
    assert "Olga" in org and "Ana" in org
    team = client.get("/fairness/db").text
    assert "Olga" in team and ">Ana<" not in team
    chart = client.get(f"/fairness/chart.png?plan={world.plan_id}&team=ops")
    assert chart.status_code == 200 and chart.mimetype == "image/png"
    assert chart.data.startswith(b"\x89PNG")
    assert client.get("/fairness/chart.png?plan=999").status_code == 404


def test_audit_page_lists_changes(client, world):
    login(client, "opsboss")
    html = client.get("/audit").text
    assert "plan.publish" in html
    assert "plan.publish" not in client.get("/audit?entity=user").text


@pytest.mark.parametrize("user", ["evil", "admin"])
def test_a_name_like_a_script_tag_is_escaped_on_every_page(client, world, sessions, user):
    evil = world.people["evil"]
    future = shift_of(sessions, "ops", 1, world)
    with sessions.begin() as session:
        leave.add_leave(
            session,
            evil,
            datetime(2027, 1, 6, tzinfo=UTC),
            datetime(2027, 1, 7, tzinfo=UTC),
            note=EVIL,
            actor="test",
            now=NOW,
        )
        if future.person_id != evil:  # someone offers Evil their shift: it shows on /swaps
            swaps.offer(session, future.id, future.person_id, evil, NOW)
    login(client, user)
    post(client, "/me/feeds/rotate", {"subject": "person"})
    pages = [
        "/",
        "/teams/ops",
        "/teams/db",
        "/me/shifts",
        f"/shifts/{future.id}",
        f"/shifts/{future.id}?to={evil}",
        "/swaps",
        "/leave",
        "/fairness/",
        "/fairness/ops",
        "/plans/",
        f"/plans/{world.plan_id}",
        "/audit",
        "/me/feeds",
    ]
    seen = 0
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 403), url
        assert EVIL not in response.text, url
        assert "<i>core</i>" not in response.text, url
        assert 'href="javascript:' not in response.text, url
        seen += "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert seen >= 6
