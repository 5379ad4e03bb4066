"""Calendar feeds: valid, stable, injection-proof iCalendar that real clients read alike."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from icalendar import Calendar
from support.icaljs import ical_js_events

from scheduler.domain.feeds import (
    EventRevision,
    KnownEvent,
    event_uid,
    feed_bytes,
    fingerprints,
    person_feed,
    revise,
    team_feed,
)
from scheduler.domain.model import Assignment, Org, Person, Rotation, Shift, Team, Trainee

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
RUNBOOK = "https://wiki.acme.example/search/runbook"
WEEK = timedelta(days=7)


def make_org(
    *, alice: str = "Alice Chen", search: str = "Search", runbook: str | None = RUNBOOK
) -> Org:
    """Build a small org by hand: two teams, one trainee, one member who is never scheduled."""
    people = (
        Person("alice", alice, "Europe/Dublin"),
        Person("bob", "Bob Li", "America/New_York"),
        Person("neha", "Neha Joshi", "Asia/Kolkata", trainee=Trainee(shadows=1)),
        Person("carol", "Carol Diaz", "America/New_York"),
        Person("dan", "Dan Okafor", "America/Los_Angeles"),
    )
    search_team = Team(
        id="search",
        name=search,
        timezone="America/New_York",
        members=("alice", "bob", "neha", "carol"),
        rotation=Rotation(shift="weekly", handoff=time(10)),
        runbook=runbook,
    )
    ic_team = Team(
        id="ic",
        name="Incident command",
        timezone="America/Los_Angeles",
        members=("alice", "dan"),
        rotation=Rotation(shift="weekly", handoff=time(9), roles=("primary",)),
    )
    return Org("Acme", "America/Los_Angeles", people, (search_team, ic_team))


def search_shift(week: int) -> Shift:
    """Return the search team's weekly shift `week` weeks after Mon 2027-01-04 10:00 New York."""
    start = datetime(2027, 1, 4, 15, tzinfo=UTC) + week * WEEK
    return Shift(start, "search", start + WEEK)


def make_assignments() -> tuple[Assignment, ...]:
    """Plan three search weeks, the last one across the US daylight-saving change, and IC."""
    dst_start = datetime(2027, 3, 8, 15, tzinfo=UTC)
    dst_shift = Shift(dst_start, "search", datetime(2027, 3, 15, 14, tzinfo=UTC))  # 167 hours
    ic_start = datetime(2027, 1, 18, 17, tzinfo=UTC)
    return (
        Assignment(search_shift(0), "primary", "alice"),
        Assignment(search_shift(0), "secondary", "bob"),
        Assignment(search_shift(0), "shadow", "neha"),
        Assignment(search_shift(1), "primary", "bob"),
        Assignment(search_shift(1), "secondary", "carol"),
        Assignment(dst_shift, "primary", "carol"),
        Assignment(dst_shift, "secondary", "alice"),
        Assignment(Shift(ic_start, "ic", ic_start + WEEK), "primary", "alice"),
    )


def parse(data: bytes) -> Calendar:
    """Parse a feed back with icalendar."""
    return Calendar.from_ical(data)


def events(cal: Calendar) -> list:
    """Return the VEVENTs of a calendar, in order."""
    return cal.walk("VEVENT")


def lines(data: bytes) -> list[bytes]:
    """Split serialised iCalendar into its physical lines, without the CRLFs."""
    assert data.endswith(b"\r\n")
    return data[:-2].split(b"\r\n")


def property_names(cal: Calendar) -> set[tuple[str, str]]:
    """Collect (component, property) name pairs of a calendar and all of its components."""
    return {(c.name, key) for c in cal.walk() for key in c}


def all_feeds(org: Org, assignments) -> dict[str, bytes]:
    """Serialise every person's and team's feed of a plan."""
    feeds = {p: feed_bytes(person_feed(org, assignments, p, NOW)) for p in org.rotation_members}
    for t in org.teams:
        feeds[f"team-{t.id}"] = feed_bytes(team_feed(org, assignments, t.id, NOW))
    return feeds


def test_same_input_gives_identical_bytes_in_any_order():
    org, plan = make_org(), make_assignments()
    first = all_feeds(org, plan)
    assert first == all_feeds(make_org(), make_assignments())
    assert first == all_feeds(org, tuple(reversed(plan)))


def test_events_are_sorted_by_start_then_uid():
    cal = team_feed(make_org(), make_assignments(), "search", NOW)
    keys = [(e.decoded("DTSTART"), str(e["UID"])) for e in events(parse(feed_bytes(cal)))]
    assert keys == sorted(keys)
    assert len(keys) == 7


def test_event_uid_comes_from_shift_role_and_scope():
    a = Assignment(search_shift(0), "primary", "alice")
    assert event_uid(a, "team:search") == "search-20270104T1500Z-primary.team-search@rota"
    assert event_uid(a, "person:alice") == "search-20270104T1500Z-primary.person-alice@rota"
    swapped = dataclasses.replace(a, person="bob")
    assert event_uid(swapped, "team:search") == event_uid(a, "team:search")


def test_team_feed_uids_survive_a_swap():
    org, plan = make_org(), make_assignments()
    swapped = (dataclasses.replace(plan[0], person="carol"),) + plan[1:]  # alice -> carol
    before = events(team_feed(org, plan, "search", NOW))
    after = events(team_feed(org, swapped, "search", NOW))
    assert [str(e["UID"]) for e in after] == [str(e["UID"]) for e in before]
    assert str(before[0]["SUMMARY"]) == "Search primary: Alice Chen"
    assert str(after[0]["SUMMARY"]) == "Search primary: Carol Diaz"
    assert str(after[0]["DESCRIPTION"]).startswith("Primary: Carol Diaz\n")
    moved = event_uid(swapped[0], "person:carol")
    assert [str(e["UID"]) for e in events(person_feed(org, swapped, "carol", NOW))][0] == moved
    alice = [str(e["UID"]) for e in events(person_feed(org, swapped, "alice", NOW))]
    assert event_uid(plan[0], "person:alice") not in alice


def test_uids_are_unique_and_use_safe_characters():
    for data in all_feeds(make_org(), make_assignments()).values():
        uids = [str(e["UID"]) for e in events(parse(data))]
        assert len(uids) == len(set(uids))
        assert all(re.fullmatch(r"[A-Za-z0-9_.-]+@rota", uid) for uid in uids)


def test_two_events_with_one_uid_are_refused():
    plan = make_assignments() + (Assignment(search_shift(0), "primary", "carol"),)
    with pytest.raises(ValueError, match="share the UID"):
        team_feed(make_org(), plan, "search", NOW)


def test_sequence_and_last_modified_come_from_revisions():
    org, plan = make_org(), make_assignments()
    changed = datetime(2026, 12, 3, 8, 15, 42, 999, tzinfo=UTC)
    uid = event_uid(plan[0], "person:alice")
    cal = parse(feed_bytes(person_feed(org, plan, "alice", NOW, {uid: EventRevision(3, changed)})))
    by_uid = {str(e["UID"]): e for e in events(cal)}
    revised = by_uid.pop(uid)
    assert revised["SEQUENCE"] == 3
    assert revised.decoded("LAST-MODIFIED") == changed.replace(microsecond=0)
    assert revised.decoded("DTSTAMP") == changed.replace(microsecond=0)
    for event in by_uid.values():
        assert event["SEQUENCE"] == 0
        assert event.decoded("LAST-MODIFIED") == NOW
        assert event.decoded("DTSTAMP") == NOW


def test_revision_times_are_written_in_utc():
    org, plan = make_org(), make_assignments()
    uid = event_uid(plan[0], "team:search")
    changed = datetime.fromisoformat("2026-12-03T10:00:00+02:00")
    data = feed_bytes(team_feed(org, plan, "search", NOW, {uid: EventRevision(1, changed)}))
    assert b"LAST-MODIFIED:20261203T080000Z\r\n" in data


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        person_feed(make_org(), make_assignments(), "alice", datetime(2026, 12, 1))


def test_lines_end_in_crlf_and_fold_at_75_octets():
    runbook = "https://wiki.acme.example/" + "/".join(f"section-{i}" for i in range(40))
    org = make_org(alice="Zoë Ångström-Þórsdóttir " * 6, runbook=runbook)
    for data in all_feeds(org, make_assignments()).values():
        assert b"\n" not in data.replace(b"\r\n", b"") and b"\r" not in data.replace(b"\r\n", b"")
        assert all(len(line) <= 75 for line in lines(data))
        for line in lines(data):
            line.decode("utf-8")  # a fold never splits a UTF-8 character
    data = feed_bytes(team_feed(org, make_assignments(), "search", NOW))
    assert any(line.startswith(b" ") for line in lines(data))
    assert runbook in str(events(parse(data))[0]["DESCRIPTION"])
    name = feed_bytes(person_feed(org, make_assignments(), "alice", NOW))
    assert str(parse(name)["X-WR-CALNAME"]) == "On-call: " + org.person("alice").name.strip()


def test_calendar_properties_that_clients_need():
    data = feed_bytes(person_feed(make_org(), make_assignments(), "alice", NOW))
    found = lines(data)
    assert found[:1] == [b"BEGIN:VCALENDAR"]
    for expected in (
        b"VERSION:2.0",
        b"PRODID:-//Rota//Rota on-call//EN",
        b"NAME:On-call: Alice Chen",
        b"X-WR-CALNAME:On-call: Alice Chen",
        b"REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        b"X-PUBLISHED-TTL:PT1H",
    ):
        assert expected in found
    assert any(line.startswith(b"X-WR-CALDESC:") for line in found)
    for absent in (b"VTIMEZONE", b"METHOD", b"X-WR-TIMEZONE", b"RRULE", b"TZID"):
        assert absent not in data


def test_every_event_is_transparent_and_in_utc():
    for data in all_feeds(make_org(), make_assignments()).values():
        cal = parse(data)
        for event in events(cal):
            assert event["TRANSP"] == "TRANSPARENT"
            for key in ("DTSTART", "DTEND", "DTSTAMP", "LAST-MODIFIED"):
                assert event.decoded(key).utcoffset() == timedelta(0)
                assert event[key].to_ical().endswith(b"Z")
        assert data.count(b"BEGIN:VEVENT") == data.count(b"TRANSP:TRANSPARENT\r\n")


def test_person_feed_holds_their_shifts_across_teams():
    cal = person_feed(make_org(), make_assignments(), "alice", NOW)
    summaries = [str(e["SUMMARY"]) for e in events(cal)]
    assert summaries == [
        "Primary on-call: Search",
        "Primary on-call: Incident command",
        "Secondary on-call: Search",
    ]
    dst = events(cal)[2]
    assert dst.decoded("DTEND") - dst.decoded("DTSTART") == timedelta(hours=167)


def test_description_names_the_others_on_the_shift_and_the_runbook():
    org, plan = make_org(), make_assignments()
    alice = events(person_feed(org, plan, "alice", NOW))[0]
    assert str(alice["DESCRIPTION"]) == f"Secondary: Bob Li\nShadow: Neha Joshi\nRunbook: {RUNBOOK}"
    neha = events(person_feed(org, plan, "neha", NOW))[0]
    assert str(neha["SUMMARY"]) == "Shadow on-call: Search"
    assert str(neha["DESCRIPTION"]).startswith("Primary: Alice Chen\nSecondary: Bob Li\n")
    team = events(team_feed(org, plan, "search", NOW))
    expected = f"Primary: Alice Chen\nSecondary: Bob Li\nShadow: Neha Joshi\nRunbook: {RUNBOOK}"
    assert [str(e["DESCRIPTION"]) for e in team[:3]] == [expected] * 3
    ic = events(person_feed(org, plan, "alice", NOW))[1]
    assert "DESCRIPTION" not in ic  # alone on the shift, and the team has no runbook


def test_team_feed_holds_only_its_team():
    cal = team_feed(make_org(), make_assignments(), "ic", NOW)
    assert [str(e["SUMMARY"]) for e in events(cal)] == ["Incident command primary: Alice Chen"]
    assert str(cal["X-WR-CALNAME"]) == "On-call: Incident command"


def test_team_feed_titles_name_the_team_the_role_and_the_person():
    cal = parse(feed_bytes(team_feed(make_org(), make_assignments(), "search", NOW)))
    assert [str(e["SUMMARY"]) for e in events(cal)] == [
        "Search primary: Alice Chen",
        "Search secondary: Bob Li",
        "Search shadow: Neha Joshi",
        "Search primary: Bob Li",
        "Search secondary: Carol Diaz",
        "Search primary: Carol Diaz",
        "Search secondary: Alice Chen",
    ]


def test_a_name_with_crlf_and_begin_vevent_stays_in_the_title():
    nasty = "Alice\r\nBEGIN:VEVENT\r\nUID:evil\r\nEND:VEVENT"
    data = feed_bytes(team_feed(make_org(alice=nasty), make_assignments(), "search", NOW))
    assert data.count(b"\r\nBEGIN:VEVENT\r\n") == 7 and b"\r\nUID:evil" not in data
    assert str(events(parse(data))[0]["SUMMARY"]) == (
        "Search primary: Alice BEGIN:VEVENT UID:evil END:VEVENT"
    )


def test_revise_keeps_the_revision_of_the_same_content_and_raises_a_change():
    earlier = EventRevision(2, NOW - WEEK)
    known = KnownEvent("a" * 64, earlier)
    assert revise(None, "b" * 64, NOW) == EventRevision(0, NOW)
    assert revise(known, "a" * 64, NOW) == earlier
    assert revise(known, "b" * 64, NOW) == EventRevision(3, NOW)
    # A clock that went back never takes LAST-MODIFIED back with it.
    assert revise(known, "b" * 64, NOW - 2 * WEEK) == EventRevision(3, NOW - WEEK)
    with pytest.raises(ValueError, match="timezone-aware"):
        revise(known, "b" * 64, datetime(2026, 12, 1))


def test_fingerprints_ignore_the_revision_and_see_the_content():
    org, plan = make_org(), make_assignments()
    first = fingerprints(team_feed(org, plan, "search", NOW))
    uid = event_uid(plan[0], "team:search")
    revised = team_feed(org, plan, "search", NOW + WEEK, {uid: EventRevision(5, NOW + WEEK)})
    assert fingerprints(revised) == first
    assert fingerprints(parse(feed_bytes(revised))) == first  # a parsed feed reads the same
    renamed = fingerprints(team_feed(make_org(alice="Alice Chen-Li"), plan, "search", NOW))
    assert renamed[uid] != first[uid]


NASTY = [
    "Eve\r\nATTENDEE:evil",
    "Team;X-EVIL=1,\nBEGIN:VEVENT",
    "Mallory\rEND:VEVENT\rBEGIN:VEVENT\rUID:x",
    "Trudy\u2028X-EVIL:1\x85X-EVIL:2\x00\x0b:;,\\N",
    "\nEND:VCALENDAR\nBEGIN:VCALENDAR\n",
]


@pytest.mark.parametrize("nasty", NASTY)
@pytest.mark.parametrize("field", ["alice", "search", "runbook"])
def test_user_text_cannot_add_properties_or_events(field, nasty):
    clean = all_feeds(make_org(), make_assignments())
    dirty = all_feeds(make_org(**{field: nasty}), make_assignments())
    for name, data in dirty.items():
        cal, reference = parse(data), parse(clean[name])
        assert property_names(cal) == property_names(reference)
        assert len(events(cal)) == len(events(reference))
        assert data.count(b"\r\nBEGIN:") == clean[name].count(b"\r\nBEGIN:")
        assert not any(line.startswith((b"ATTENDEE", b"X-EVIL", b"UID:x")) for line in lines(data))
        assert all(not component.errors for component in cal.walk())


def test_org_name_is_escaped_in_the_calendar_description():
    org = dataclasses.replace(make_org(), name="Acme, Inc\r\nX-EVIL:1")
    data = feed_bytes(team_feed(org, make_assignments(), "search", NOW))
    assert "X-EVIL" not in parse(data)
    # Parsers keep X-WR-* values raw (icalendar and ical.js alike), so compare the escaped line.
    assert b"X-WR-CALDESC:On-call rotation of Search (Acme\\, Inc X-EVIL:1)" in lines(data)


def test_feeds_parse_back_without_errors():
    for data in all_feeds(make_org(), make_assignments()).values():
        cal = parse(data)
        assert all(not component.errors for component in cal.walk())


@pytest.mark.parametrize("nasty", [None, *NASTY])
def test_ical_js_reads_the_same_events(tmp_path, nasty):
    org = make_org() if nasty is None else make_org(alice=nasty, search=nasty, runbook=nasty)
    for name, data in all_feeds(org, make_assignments()).items():
        path = tmp_path / f"{name}.ics"
        path.write_bytes(data)
        ours = [
            (str(e["UID"]), e.decoded("DTSTART"), e.decoded("DTEND")) for e in events(parse(data))
        ]
        theirs = [
            (e["uid"], datetime.fromisoformat(e["start"]), datetime.fromisoformat(e["end"]))
            for e in ical_js_events(path)
        ]
        assert theirs == ours, name
