"""Calendar feeds over HTTP (docs/feeds.md#serving-over-http).

Headers, revalidation, revisions, titles and injection.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select, update
from support.builders import FAST
from support.icaljs import ical_js_events
from support.world import API, Scenario, shifts

from scheduler.services import accounts, feedstore, planning, swaps
from scheduler.store import EventRevisionRow, OrgRow, PersonRow, TeamRow

NOW = API.now


@pytest.fixture
def scenario() -> Scenario:
    return API


def url(token: str) -> str:
    return f"/feeds/{token}.ics"


def events(body: bytes) -> dict[str, dict]:
    """Parse a feed with icalendar, failing on any parse error; return events by UID."""
    cal = Calendar.from_ical(body)
    assert not cal.errors
    found = {}
    for event in cal.walk("VEVENT"):
        assert not event.errors, event.errors
        found[str(event["UID"])] = event
    return found


def test_a_person_feed_is_served_with_calendar_headers(client, world):
    response = client.get(url(world.person_feeds["ada"]))
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.get_data()
    assert response.headers["ETag"] == f'"{hashlib.sha256(body).hexdigest()}"'
    assert "max-age" in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
    assert body.startswith(b"BEGIN:VCALENDAR\r\n")
    assert all(line.endswith(b"\r") for line in body.split(b"\n")[:-1])
    (event,) = events(body).values()
    assert str(event["SUMMARY"]) == "Secondary on-call: Checkout"
    assert "Primary: Ken Thompson" in str(event["DESCRIPTION"])


def test_a_team_feed_holds_every_role_of_every_shift(client, world, sessions):
    body = client.get(url(world.team_feeds["checkout"])).get_data()
    with sessions() as session:
        planned = shifts(session, world)
        titles = {
            f"checkout-{a.start:%Y%m%dT%H%MZ}-{a.role}.team-checkout@rota": (
                f"Checkout {a.role}: {a.person.name}"
            )
            for a in planned
        }
    found = events(body)
    assert len(found) == len(planned) == 6
    assert {uid: str(event["SUMMARY"]) for uid, event in found.items()} == titles


def test_the_etag_and_bytes_are_stable_while_nothing_changes(client, world, clock):
    first = client.get(url(world.person_feeds["ada"]))
    clock.now = NOW + timedelta(hours=5)
    second = client.get(url(world.person_feeds["ada"]))
    assert first.get_data() == second.get_data()
    assert first.headers["ETag"] == second.headers["ETag"]
    assert b"DTSTAMP:20270105T120000Z" in first.get_data()


@pytest.mark.parametrize(
    "header",
    ["{etag}", '"nope", {etag}', "W/{etag}", "*"],
    ids=["exact", "list", "weak", "star"],
)
def test_if_none_match_answers_304_without_a_body(client, world, header):
    etag = client.get(url(world.person_feeds["ada"])).headers["ETag"]
    response = client.get(
        url(world.person_feeds["ada"]), headers={"If-None-Match": header.format(etag=etag)}
    )
    assert response.status_code == 304
    assert response.get_data() == b""
    assert response.headers["ETag"] == etag


def test_a_stale_etag_gets_the_whole_feed(client, world):
    response = client.get(url(world.person_feeds["ada"]), headers={"If-None-Match": '"stale"'})
    assert response.status_code == 200
    assert response.get_data().startswith(b"BEGIN:VCALENDAR")


def test_head_sends_the_headers_without_a_body(client, world):
    full = client.get(url(world.team_feeds["checkout"]))
    head = client.head(url(world.team_feeds["checkout"]))
    assert head.status_code == 200
    assert head.get_data() == b""
    assert head.headers["ETag"] == full.headers["ETag"]
    assert head.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert int(head.headers["Content-Length"]) == len(full.get_data())


@pytest.mark.parametrize("token", ["nope", "x" * 300, "%00", "..%2F..%2Fetc"])
def test_an_unknown_token_is_404(client, token):
    assert client.get(f"/feeds/{token}.ics").status_code == 404


def test_a_revoked_token_is_404_and_its_replacement_works(client, world, sessions):
    old = world.person_feeds["ada"]
    with sessions.begin() as session:
        new = accounts.rotate_feed_token(session, person_id=world.people["ada"], now=NOW)
    assert client.get(url(old)).status_code == 404
    assert client.head(url(old)).status_code == 404
    assert client.get(url(new)).status_code == 200


def test_an_api_token_does_not_open_a_feed(client, world):
    assert client.get(url(world.api["ada"])).status_code == 404


def test_a_swap_raises_sequence_and_changes_both_feeds(client, world, sessions, clock):
    team_before = client.get(url(world.team_feeds["checkout"]))
    frances_before = client.get(url(world.person_feeds["frances"]))
    with sessions.begin() as session:
        # The fairness guard would hold this swap for a manager; here it goes straight through.
        session.execute(update(TeamRow).values(fairness_guard=False))
        week2 = next(a for a in shifts(session, world) if a.person.key == "frances")
        uid_team = f"checkout-{week2.start:%Y%m%dT%H%MZ}-primary.team-checkout@rota"
        offer = swaps.offer(
            session, week2.id, world.people["frances"], world.people["grace"], clock.now
        )
    clock.now = NOW + timedelta(hours=1)
    with sessions.begin() as session:
        swaps.accept(session, offer.id, world.people["grace"], clock.now)
    clock.now = NOW + timedelta(hours=2)

    team_after = client.get(url(world.team_feeds["checkout"]))
    assert team_after.headers["ETag"] != team_before.headers["ETag"]
    before, after = events(team_before.get_data()), events(team_after.get_data())
    assert set(before) == set(after)  # a swap changes the person, not the UID
    assert before[uid_team]["SEQUENCE"] == 0
    assert after[uid_team]["SEQUENCE"] == 1
    assert after[uid_team]["LAST-MODIFIED"].dt == NOW + timedelta(hours=2)
    assert after[uid_team]["DTSTAMP"].dt == NOW + timedelta(hours=2)
    assert "Primary: Grace Hopper" in str(after[uid_team]["DESCRIPTION"])
    assert str(after[uid_team]["SUMMARY"]) == "Checkout primary: Grace Hopper"
    unchanged = [uid for uid in before if uid != uid_team and "20270111" not in uid]
    assert unchanged and all(after[uid]["SEQUENCE"] == 0 for uid in unchanged)

    # The shift left Frances's feed and joined Grace's.
    assert len(events(frances_before.get_data())) == 1
    assert events(client.get(url(world.person_feeds["frances"])).get_data()) == {}
    grace = events(client.get(url(world.person_feeds["grace"])).get_data())
    assert [str(e["SUMMARY"]) for e in grace.values()] == ["Primary on-call: Checkout"]

    # Nothing changes after that: the new bytes are stable too.
    clock.now = NOW + timedelta(days=1)
    assert (
        client.get(url(world.team_feeds["checkout"])).headers["ETag"] == team_after.headers["ETag"]
    )


def test_a_changed_person_on_the_shift_raises_sequence_in_the_holders_feed(client, world, sessions):
    before = events(client.get(url(world.person_feeds["ada"])).get_data())
    with sessions.begin() as session:
        ken = session.scalars(select(PersonRow).where(PersonRow.key == "ken")).one()
        ken.name = "Kenneth Thompson"
    after = events(client.get(url(world.person_feeds["ada"])).get_data())
    (uid,) = after
    assert before[uid]["SEQUENCE"] == 0 and after[uid]["SEQUENCE"] == 1
    assert "Primary: Kenneth Thompson" in str(after[uid]["DESCRIPTION"])


def test_names_cannot_inject_lines_or_properties(client, world, sessions):
    hostile = (
        "Eve\r\nATTENDEE:mailto:evil@example.com\nX-EVIL;VALUE=TEXT:1; STATUS:CANCELLED"
        "\r\nBEGIN:VEVENT\r\nUID:evil@rota\r\nEND:VEVENT"
    )
    team_events = len(events(client.get(url(world.team_feeds["checkout"])).get_data()))
    with sessions.begin() as session:
        session.scalars(select(PersonRow).where(PersonRow.key == "ken")).one().name = hostile
        session.get(TeamRow, world.teams["checkout"]).name = hostile
        session.get(TeamRow, world.teams["checkout"]).runbook = "https://x\r\nSTATUS:CANCELLED"
    for token in (
        world.team_feeds["checkout"],
        world.person_feeds["ada"],
        world.person_feeds["ken"],
    ):
        body = client.get(url(token)).get_data()
        unfolded = body.replace(b"\r\n ", b"")
        names = {line.split(b":")[0].split(b";")[0] for line in unfolded.split(b"\r\n") if line}
        assert names <= {
            b"BEGIN", b"END", b"VERSION", b"PRODID", b"NAME", b"X-WR-CALNAME", b"X-WR-CALDESC",
            b"REFRESH-INTERVAL", b"X-PUBLISHED-TTL", b"SUMMARY", b"DTSTART", b"DTEND",
            b"DTSTAMP", b"UID", b"SEQUENCE", b"DESCRIPTION", b"LAST-MODIFIED", b"TRANSP",
        }  # fmt: skip
        cal = Calendar.from_ical(body)
        found = events(body)
        assert "evil@rota" not in found
        for event in found.values():
            assert "STATUS" not in event and "ATTENDEE" not in event
            assert "X-EVIL" not in event
            assert "\n" not in str(event["SUMMARY"])
        if (
            token == world.team_feeds["checkout"]
        ):  # Ken's name is in his events' titles, on one line
            assert len(found) == team_events
            assert any("BEGIN:VEVENT UID:evil@rota" in str(e["SUMMARY"]) for e in found.values())
        assert "\n" not in str(cal["X-WR-CALNAME"])


def test_drafts_are_not_served(client, world, sessions):
    with sessions.begin() as session:
        draft = planning.generate(session, world.org_id, date(2027, 1, 25), 2, FAST, "t", NOW)
        assert draft.plan is not None and draft.plan.state == "draft"
    found = events(client.get(url(world.team_feeds["checkout"])).get_data())
    assert len(found) == 6 and not any("20270125" in uid for uid in found)


def test_shifts_older_than_the_lookback_drop_out(client, world, clock):
    # The three weeks end on 2027-01-25; thirty days later only the last week is left.
    clock.now = NOW + timedelta(days=45)
    found = events(client.get(url(world.team_feeds["checkout"])).get_data())
    assert len(found) == 2 and all("20270118" in uid for uid in found)
    clock.now = NOW + timedelta(days=60)
    assert events(client.get(url(world.team_feeds["checkout"])).get_data()) == {}


def test_a_person_or_team_that_left_has_no_feed(client, world, sessions):
    with sessions.begin() as session:
        session.get(PersonRow, world.people["ada"]).active = False
        session.get(TeamRow, world.teams["checkout"]).active = False
    assert client.get(url(world.person_feeds["ada"])).status_code == 404
    assert client.get(url(world.team_feeds["checkout"])).status_code == 404
    # Barbara's shifts are all on the inactive team: her feed is there, and empty.
    assert events(client.get(url(world.person_feeds["barbara"])).get_data()) == {}


def test_concurrent_renders_agree_and_do_not_crash(world, sessions):
    def render_all(now, count=8) -> set[bytes]:
        results, errors = [], []

        def render():
            try:
                with sessions.begin() as session:
                    results.append(feedstore.team_feed_bytes(session, world.teams["checkout"], now))
            except Exception as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)

        threads = [threading.Thread(target=render) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        return set(results)

    assert len(render_all(NOW)) == 1  # every event seen for the first time at once
    with sessions.begin() as session:
        session.scalars(select(PersonRow).where(PersonRow.key == "ken")).one().name = "K"
    later = NOW + timedelta(hours=1)
    (body,) = render_all(later)  # one event changed, noticed by all at once
    with sessions() as session:
        revisions = session.scalars(select(EventRevisionRow)).all()
    assert len(revisions) == 6
    assert sorted(r.sequence for r in revisions) == [0, 0, 0, 0, 1, 1]
    assert {r.modified for r in revisions if r.sequence} == {later}
    assert body.count(b"SEQUENCE:1") == 2


def test_a_served_feed_reads_the_same_in_ical_js(client, world, tmp_path):
    body = client.get(url(world.team_feeds["checkout"])).get_data()
    path = tmp_path / "team.ics"
    path.write_bytes(body)
    parsed = {e["uid"]: (e["start"], e["end"]) for e in ical_js_events(path)}
    expected = {
        uid: (
            event["DTSTART"].dt.isoformat().replace("+00:00", ".000Z"),
            event["DTEND"].dt.isoformat().replace("+00:00", ".000Z"),
        )
        for uid, event in events(body).items()
    }
    assert parsed == expected


def test_a_feed_seen_before_is_served_while_a_writer_holds_the_database(client, world, sessions):
    # A feed only writes when an event is new or changed; polling an unchanged one takes no
    # write lock, so a long import or publish does not stall calendar clients.
    first = client.get(url(world.team_feeds["checkout"]))
    assert first.status_code == 200
    with sessions() as writer:
        writer.add(OrgRow(name="Busy", timezone="UTC", settings={}))
        writer.flush()  # holds SQLite's write lock until it ends
        result: list = []
        thread = threading.Thread(
            target=lambda: result.append(client.get(url(world.team_feeds["checkout"]))), daemon=True
        )
        thread.start()
        thread.join(5.0)
        writer.rollback()
    assert result, "the feed waited for the writer"
    assert result[0].status_code == 200 and result[0].get_data() == first.get_data()
