"""`rota plan --out`: feed files across runs, titles in team feeds, and feed file names."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from icalendar import Calendar
from test_cli import ORG, assert_no_traceback, plan, read_csv, write

FIRST_NOW = "2027-01-01T00:00:00+00:00"
REPLAN_NOW = "2027-01-12T12:00:00-05:00"
NAMES = {"ann": "Ann Lee", "bob": "Bob Ray", "cat": "Cat Poe", "dan": "Dan Wu", "eve": "Eve Fox"}


def feed_files(out: Path) -> dict[str, bytes]:
    """Read every feed file written to OUT/feeds, by name."""
    return {p.name: p.read_bytes() for p in sorted((out / "feeds").glob("*.ics"))}


def feed_events(data: bytes) -> dict[str, object]:
    """Parse a feed with icalendar, failing on any parse error; return its events by UID."""
    cal = Calendar.from_ical(data)
    assert all(not component.errors for component in cal.walk())
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def uid(row: dict[str, str], scope: str) -> str:
    """Return the UID of a plan.csv row's event in the feed of `scope` (team-x, person-y)."""
    start = datetime.fromisoformat(row["start"]).astimezone(UTC)
    return f"{row['team']}-{start:%Y%m%dT%H%MZ}-{row['role']}.{scope}@rota"


def crews(rows: list[dict[str, str]]) -> dict[tuple[str, str], set[tuple[str, str]]]:
    """Group plan.csv rows into the crew of each shift: {(team, start): {(role, person)}}."""
    found: dict[tuple[str, str], set[tuple[str, str]]] = defaultdict(set)
    for row in rows:
        found[row["team"], row["start"]].add((row["role"], row["person"]))
    return found


def revision(event) -> tuple[int, datetime, datetime]:
    """Return an event's (SEQUENCE, LAST-MODIFIED, DTSTAMP)."""
    return event["SEQUENCE"], event.decoded("LAST-MODIFIED"), event.decoded("DTSTAMP")


def test_team_feed_titles_name_the_person(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert plan(write(tmp_path, ORG), out).exit_code == 0
    rows = read_csv(out / "plan.csv")
    team = feed_events((out / "feeds" / "team-search.ics").read_bytes())
    for row in rows:
        title = f"Search {row['role']}: {NAMES[row['person']]}"
        assert str(team[uid(row, "team-search")]["SUMMARY"]) == title
        person = feed_events((out / "feeds" / f"{row['person']}.ics").read_bytes())
        title = f"{row['role'].capitalize()} on-call: Search"
        assert str(person[uid(row, f"person-{row['person']}")]["SUMMARY"]) == title


def test_planning_an_unchanged_org_twice_rewrites_identical_feeds(tmp_path: Path) -> None:
    org, out = write(tmp_path, ORG), tmp_path / "out"
    assert plan(org, out).exit_code == 0  # the clock's now, as a user would run it
    first_plan, first = (out / "plan.csv").read_bytes(), feed_files(out)
    result = plan(org, out)
    assert result.exit_code == 0, result.output
    assert (out / "plan.csv").read_bytes() == first_plan, "one worker and one seed: same plan"
    assert feed_files(out) == first
    assert len(first) == 6


def test_a_replan_raises_only_the_events_that_changed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert plan(write(tmp_path, ORG), out, "--now", FIRST_NOW, weeks=4).exit_code == 0
    before_rows = read_csv(out / "plan.csv")
    (tmp_path / "first.csv").write_bytes((out / "plan.csv").read_bytes())
    # Whoever holds primary in the week of 25 January takes that week off: a re-plan.
    who = next(
        r["person"]
        for r in before_rows
        if r["start"].startswith("2027-01-25") and r["role"] == "primary"
    )
    leave = f"  - {{person: {who}, start: 2027-01-25, end: 2027-01-31}}\n"
    org = write(tmp_path, ORG + leave, "org2.yaml")
    previous = str(tmp_path / "first.csv")
    result = plan(org, out, "--previous", previous, "--now", REPLAN_NOW, weeks=4)
    assert result.exit_code == 0, result.output
    after_rows = read_csv(out / "plan.csv")

    first, replanned = datetime.fromisoformat(FIRST_NOW), datetime.fromisoformat(REPLAN_NOW)
    old_crews, new_crews = crews(before_rows), crews(after_rows)
    changed_shifts = {shift for shift, crew in new_crews.items() if old_crews[shift] != crew}
    assert changed_shifts, "the leave moved someone"
    assert len(changed_shifts) < len(new_crews), "some weeks are untouched"

    team = feed_events((out / "feeds" / "team-search.ics").read_bytes())
    assert set(team) == {uid(r, "team-search") for r in after_rows}
    for row in after_rows:
        event = team[uid(row, "team-search")]
        if (row["team"], row["start"]) in changed_shifts:
            assert revision(event) == (1, replanned, replanned), row
        else:
            assert revision(event) == (0, first, first), row

    for person in NAMES:
        events = feed_events((out / "feeds" / f"{person}.ics").read_bytes())
        for row in (r for r in after_rows if r["person"] == person):
            event = events[uid(row, f"person-{person}")]
            if row not in before_rows:  # a new event in this person's feed
                assert revision(event) == (0, replanned, replanned), row
            elif (row["team"], row["start"]) in changed_shifts:  # someone else on it changed
                assert revision(event) == (1, replanned, replanned), row
            else:
                assert revision(event) == (0, first, first), row


def test_a_broken_previous_feed_is_ignored_with_a_warning(tmp_path: Path) -> None:
    org, out = write(tmp_path, ORG), tmp_path / "out"
    assert plan(org, out).exit_code == 0
    (out / "feeds" / "ann.ics").write_bytes(b"BEGIN:VCALENDAR\r\nBEGIN:VEV")
    result = plan(org, out)
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "ann.ics" in result.stderr
    assert_no_traceback(result)
    assert (out / "feeds" / "ann.ics").read_bytes().endswith(b"END:VCALENDAR\r\n")


def test_a_person_and_a_team_wanting_one_feed_file_is_bad_input(tmp_path: Path) -> None:
    clash = ORG.replace("{id: eve, name: Eve Fox", "{id: team-search, name: Eve Fox").replace(
        "dan, eve]", "dan, team-search]"
    )
    result = plan(write(tmp_path, clash), tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert_no_traceback(result)
    assert 'person "team-search" and team "search"' in result.stderr
    assert "team-search.ics" in result.stderr
    assert not (tmp_path / "out").exists(), "refused before planning or writing anything"
