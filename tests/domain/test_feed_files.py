"""Feed files across runs (docs/feeds.md#feed-files-across-runs): names, revisions, bad files."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from support.icaljs import ical_js_events
from test_feeds import (
    NOW,
    WEEK,
    events,
    make_assignments,
    make_org,
    parse,
)

from scheduler.domain.feedfiles import feed_files, known_events, write_feeds
from scheduler.domain.feeds import EventRevision, feed_bytes, person_feed, team_feed
from scheduler.domain.model import Person, Plan

LATER = NOW + timedelta(days=3, hours=2)
FILES = [
    "alice.ics",
    "bob.ics",
    "neha.ics",
    "carol.ics",
    "dan.ics",
    "team-search.ics",
    "team-ic.ics",
]


def read_all(directory) -> dict[str, bytes]:
    """Read every feed file of a directory by name."""
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.ics"))}


def revisions(data: bytes) -> dict[str, tuple[int, datetime, datetime]]:
    """Map each event's UID to (SEQUENCE, LAST-MODIFIED, DTSTAMP), parsed with icalendar."""
    cal = parse(data)
    assert all(not component.errors for component in cal.walk())
    return {
        str(e["UID"]): (e["SEQUENCE"], e.decoded("LAST-MODIFIED"), e.decoded("DTSTAMP"))
        for e in events(cal)
    }


def test_write_feeds_writes_one_file_per_member_and_team(tmp_path):
    org, plan = make_org(), Plan(make_assignments())
    paths = write_feeds(org, plan, tmp_path / "feeds", NOW)
    assert [p.name for p in paths] == FILES
    assert list(feed_files(org)) == FILES
    assert all(p.parent == tmp_path / "feeds" for p in paths)
    assert sorted(p.name for p in (tmp_path / "feeds").iterdir()) == sorted(FILES)  # no temp files
    for name in FILES:  # each feed is built from its part of the plan: as from all of it
        written = (tmp_path / "feeds" / name).read_bytes()
        if name.startswith("team-"):
            whole = team_feed(org, plan.assignments, name.removeprefix("team-")[:-4], NOW)
        else:
            whole = person_feed(org, plan.assignments, name[:-4], NOW)
        assert written == feed_bytes(whole), name
    dan = parse((tmp_path / "feeds" / "dan.ics").read_bytes())
    assert events(dan) == [] and str(dan["X-WR-CALNAME"]) == "On-call: Dan Okafor"


def test_team_files_name_the_person_and_person_files_the_team(tmp_path):
    write_feeds(make_org(), Plan(make_assignments()), tmp_path, NOW)
    team = events(parse((tmp_path / "team-search.ics").read_bytes()))
    assert str(team[0]["SUMMARY"]) == "Search primary: Alice Chen"
    alice = events(parse((tmp_path / "alice.ics").read_bytes()))
    assert str(alice[0]["SUMMARY"]) == "Primary on-call: Search"


def test_write_feeds_refuses_a_file_name_clash(tmp_path):
    org = make_org()
    clash = Person("team-ic", "Ian Clash", "UTC")
    ic = dataclasses.replace(org.team("ic"), members=("alice", "dan", "team-ic"))
    org = dataclasses.replace(org, people=org.people + (clash,), teams=(org.teams[0], ic))
    with pytest.raises(ValueError, match='person "team-ic" and team "ic" .* team-ic.ics'):
        feed_files(org)
    with pytest.raises(ValueError, match="team-ic.ics"):
        write_feeds(org, Plan(make_assignments()), tmp_path, NOW)
    assert list(tmp_path.iterdir()) == []


def test_an_unchanged_plan_rewrites_identical_bytes(tmp_path):
    org, plan = make_org(), Plan(make_assignments())
    write_feeds(org, plan, tmp_path, NOW)
    first = read_all(tmp_path)
    write_feeds(org, plan, tmp_path, LATER)
    assert read_all(tmp_path) == first
    assert b"DTSTAMP:20261201T093000Z" in first["team-search.ics"]
    assert b"20261204" not in b"".join(first.values())


def test_a_changed_event_rises_and_the_others_keep_their_revision(tmp_path):
    org, plan = make_org(), make_assignments()
    write_feeds(org, Plan(plan), tmp_path, NOW)
    before = {name: revisions(data) for name, data in read_all(tmp_path).items()}
    # Carol takes Alice's primary week: that shift's events change, the others stay.
    swapped = (dataclasses.replace(plan[0], person="carol"),) + plan[1:]
    write_feeds(org, Plan(swapped), tmp_path, LATER)
    after = {name: revisions(data) for name, data in read_all(tmp_path).items()}

    week0 = "search-20270104T1500Z-"
    for name in ("team-search.ics", "bob.ics", "neha.ics"):
        assert set(after[name]) == set(before[name])
        for uid, (sequence, modified, stamp) in after[name].items():
            if uid.startswith(week0):  # the description (and in the team, a title) changed
                assert (sequence, modified, stamp) == (1, LATER, LATER), (name, uid)
            else:
                assert (sequence, modified, stamp) == before[name][uid], (name, uid)
    assert after["team-ic.ics"] == before["team-ic.ics"]
    assert after["dan.ics"] == before["dan.ics"]
    # Alice's event left her feed; Carol's new one starts at 0.
    assert not any(uid.startswith(week0) for uid in after["alice.ics"])
    new = [v for uid, v in after["carol.ics"].items() if uid.startswith(week0)]
    assert new == [(0, LATER, LATER)]
    # A third run that changes the same event again raises it again.
    write_feeds(org, Plan(plan), tmp_path, LATER + WEEK)
    team = revisions((tmp_path / "team-search.ics").read_bytes())
    assert team[f"{week0}primary.team-search@rota"] == (2, LATER + WEEK, LATER + WEEK)


def test_a_new_name_is_a_change_in_every_event_that_shows_it(tmp_path):
    plan = Plan(make_assignments())
    write_feeds(make_org(), plan, tmp_path, NOW)
    write_feeds(make_org(alice="Alice Chen-Li"), plan, tmp_path, LATER)
    team = revisions((tmp_path / "team-search.ics").read_bytes())
    # Alice is on the first search week and the daylight-saving week: both crews name her.
    assert sorted(uid for uid, (sequence, *_) in team.items() if sequence == 1) == [
        "search-20270104T1500Z-primary.team-search@rota",
        "search-20270104T1500Z-secondary.team-search@rota",
        "search-20270104T1500Z-shadow.team-search@rota",
        "search-20270308T1500Z-primary.team-search@rota",
        "search-20270308T1500Z-secondary.team-search@rota",
    ]


BROKEN = {
    "not iCalendar": b"hello\r\n",
    "empty": b"",
    "cut short": b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\n",
    "bad sequence": b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nSEQUENCE:many\r\n"
    b"LAST-MODIFIED:20261201T093000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    "no last-modified": b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nSEQUENCE:1\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n",
    "floating last-modified": b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nSEQUENCE:1\r\n"
    b"LAST-MODIFIED:20261201T093000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    "not UTF-8": b"\xff\xfe\x00B",
}


@pytest.mark.parametrize("data", BROKEN.values(), ids=BROKEN.keys())
def test_known_events_refuses_a_broken_feed(data):
    with pytest.raises(ValueError):
        known_events(data)


def test_known_events_reads_back_what_was_written():
    org, plan = make_org(), make_assignments()
    data = feed_bytes(team_feed(org, plan, "ic", NOW, None))
    ((uid, known),) = known_events(data).items()
    assert uid == "ic-20270118T1700Z-primary.team-ic@rota"
    assert known.revision == EventRevision(0, NOW)


@pytest.mark.parametrize("data", [BROKEN["cut short"], BROKEN["not UTF-8"]], ids=["cut", "utf8"])
def test_a_broken_previous_file_is_ignored_with_a_warning(tmp_path, data):
    org, plan = make_org(), Plan(make_assignments())
    write_feeds(org, plan, tmp_path, NOW)
    good = read_all(tmp_path)
    (tmp_path / "team-search.ics").write_bytes(data)
    with pytest.raises(ValueError, match="team-search.ics"):
        write_feeds(org, plan, tmp_path, LATER)  # no `warn`: refused, nothing rewritten
    assert (tmp_path / "team-search.ics").read_bytes() == data
    warnings: list[str] = []
    write_feeds(org, plan, tmp_path, LATER, warn=warnings.append)
    assert len(warnings) == 1 and "team-search.ics" in warnings[0]
    again = read_all(tmp_path)
    assert {k: v for k, v in again.items() if k != "team-search.ics"} == {
        k: v for k, v in good.items() if k != "team-search.ics"
    }
    team = revisions(again["team-search.ics"])
    assert {v for v in team.values()} == {(0, LATER, LATER)}


def test_a_name_with_crlf_and_begin_vevent_stays_inert_in_files(tmp_path):
    nasty = "Alice\r\nBEGIN:VEVENT\r\nUID:evil@rota\r\nEND:VEVENT\r\n"
    org = make_org(alice=nasty, search="Search\r\nBEGIN:VEVENT")
    write_feeds(org, Plan(make_assignments()), tmp_path, NOW)
    write_feeds(org, Plan(make_assignments()), tmp_path, LATER)  # read back as a previous file
    for name, data in read_all(tmp_path).items():
        cal = parse(data)
        assert all(not component.errors for component in cal.walk())
        uids = [str(e["UID"]) for e in events(cal)]
        assert "evil@rota" not in uids and all(e["SEQUENCE"] == 0 for e in events(cal))
        assert [e["uid"] for e in ical_js_events(tmp_path / name)] == uids
    team = events(parse((tmp_path / "team-search.ics").read_bytes()))
    assert len(team) == 7
    assert str(team[0]["SUMMARY"]) == (
        "Search BEGIN:VEVENT primary: Alice BEGIN:VEVENT UID:evil@rota END:VEVENT"
    )
