"""The org file: every key of the example in docs/org-file.md, defaults, time zones, and errors.

Errors say where: the key path and the line.
"""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from support.builders import DATA

from scheduler.domain.model import (
    Assignment,
    AvoidRequest,
    Leave,
    RoleWeights,
    Shift,
    Slot,
    Trainee,
    Weights,
)
from scheduler.domain.orgfile import OrgFileError, load_org, parse_org

# Every key of docs/org-file.md; times and dates deliberately unquoted where YAML 1.1 would bite.
FULL = textwrap.dedent(
    """\
    org: Acme                       # display name
    timezone: America/Los_Angeles
    holidays: [US]
    extra_holidays: [2027-01-04]
    weights:
      weekday: 2
      weekend: 3
      holiday: 5
    role_weights:
      primary: 3
      secondary: 1
      shadow: 0
    fairness:
      lookback_weeks: 13

    people:
      - id: alice
        name: Alice Chen
        email: alice@acme.example
        timezone: Europe/Dublin
        site: emea
        fte: 0.6
        joined: 2026-09-01
        trainee:
          shadows: 2
          secondaries: 1
      - {id: bob, name: Bob Diaz, email: bob@acme.example, site: amer}
      - {id: carol, name: Carol Evans, timezone: America/New_York}
      - {id: dan, name: Dan Fox}
      - {id: erin, name: Erin Gray, site: emea}
      - {id: frank, name: Frank Hill, site: amer}
      - {id: grace, name: Grace Ito}

    teams:
      - id: search
        name: Search
        timezone: America/New_York
        holidays: [US]
        services: [search-api, indexer]
        runbook: https://wiki.acme.example/search/runbook
        swaps_need_approval: true
        fairness_guard: false
        members: [alice, bob, carol, dan, erin, frank, grace]
        rotation:
          shift: weekly
          handoff: mon 10:00
          roles: [primary, secondary]
          min_roster: 6
          min_rest: 7d
      - id: edge
        name: Edge
        timezone: Europe/Dublin
        holidays: [IE]
        members: [alice, bob, erin, frank]
        rotation:
          shift: daily
          roles: [primary]
          min_rest: 12h
          slots:
            - {start: 08:00, end: 20:00, site: emea}
            - {start: 20:00, end: 08:00, site: amer}
      - id: billing
        name: Billing
        members: [carol, dan, grace]
        rotation:
          shift: daily
          handoff: 09:30
          roles: [primary]
          min_roster: 2
          min_rest: 2d12h

    leave:
      - {person: alice, start: 2027-01-18, end: 2027-01-29}     # dates inclusive, person-local
      - {person: bob, start: "2027-02-03T09:00", end: "2027-02-03T17:00"}
    avoid:
      - {person: carol, start: 2027-02-14, end: 2027-02-14}
    history:
      - {team: search, role: primary, person: bob,
         start: "2026-10-05T10:00-04:00", end: "2026-10-12T10:00-04:00"}
      - {team: search, role: secondary, person: carol,
         start: 2026-10-05T10:00, end: 2026-10-12T10:00}
      - {team: edge, role: shadow, person: frank,
         start: "2026-12-01T20:00", end: "2026-12-02T08:00"}
    """
)

MINIMAL = textwrap.dedent(
    """\
    org: Tiny
    timezone: Europe/Dublin
    people:
      - {id: ann, name: Ann}
    teams:
      - id: ops
        name: Ops
        members: [ann]
        rotation: {shift: weekly, handoff: "tue 09:00"}
    """
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "acme.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, marker: str) -> int:
    """Return the 1-based line on which `marker` starts (its first occurrence)."""
    assert marker in text, marker
    return text[: text.index(marker)].count("\n") + 1


def error_for(tmp_path: Path, text: str) -> OrgFileError:
    path = write(tmp_path, text)
    with pytest.raises(OrgFileError) as caught:
        load_org(path)
    return caught.value


def test_full_file_loads_every_key(tmp_path: Path) -> None:
    org = load_org(write(tmp_path, FULL))
    assert (org.name, org.timezone, org.holidays) == ("Acme", "America/Los_Angeles", ("US",))
    assert org.extra_holidays == (date(2027, 1, 4),)
    assert org.weights == Weights(weekday=2, weekend=3, holiday=5)
    assert org.role_weights == RoleWeights(primary=3, secondary=1, shadow=0)
    assert org.lookback_weeks == 13
    assert [p.id for p in org.people] == ["alice", "bob", "carol", "dan", "erin", "frank", "grace"]
    assert [t.id for t in org.teams] == ["search", "edge", "billing"]


def test_full_file_people(tmp_path: Path) -> None:
    org = load_org(write(tmp_path, FULL))
    alice = org.person("alice")
    assert (alice.name, alice.email, alice.timezone) == (
        "Alice Chen",
        "alice@acme.example",
        "Europe/Dublin",
    )
    assert (alice.site, alice.fte, alice.joined) == ("emea", 0.6, date(2026, 9, 1))
    assert alice.trainee == Trainee(shadows=2, secondaries=1)
    dan = org.person("dan")
    assert (dan.timezone, dan.fte, dan.email, dan.site, dan.joined, dan.trainee) == (
        "America/Los_Angeles",
        1.0,
        None,
        None,
        None,
        None,
    )


def test_full_file_teams_and_rotations(tmp_path: Path) -> None:
    org = load_org(write(tmp_path, FULL))
    search = org.team("search")
    assert search.name == "Search" and search.timezone == "America/New_York"
    assert search.holidays == ("US",) and search.services == ("search-api", "indexer")
    assert search.runbook == "https://wiki.acme.example/search/runbook"
    assert search.swaps_need_approval and not org.team("edge").swaps_need_approval
    assert not search.fairness_guard and org.team("edge").fairness_guard  # on unless said
    assert search.members == ("alice", "bob", "carol", "dan", "erin", "frank", "grace")
    rotation = search.rotation
    assert (rotation.shift, rotation.handoff_weekday, rotation.handoff) == ("weekly", 0, time(10))
    assert rotation.roles == ("primary", "secondary") and rotation.min_roster == 6
    assert rotation.min_rest == timedelta(days=7) and rotation.slots == ()
    edge = org.team("edge").rotation
    assert edge.slots == (Slot(time(8), time(20), "emea"), Slot(time(20), time(8), "amer"))
    assert (edge.roles, edge.min_rest, edge.handoff) == (("primary",), timedelta(hours=12), time(9))
    billing = org.team("billing")
    assert billing.timezone == "America/Los_Angeles" and billing.holidays == ()
    assert billing.rotation.handoff == time(9, 30)
    assert billing.rotation.min_rest == timedelta(days=2, hours=12)


def test_full_file_leave_avoid_history_in_utc(tmp_path: Path) -> None:
    org = load_org(write(tmp_path, FULL))
    assert org.leave == (
        Leave("alice", utc(2027, 1, 18), utc(2027, 1, 30)),  # Dublin is on GMT in January
        Leave("bob", utc(2027, 2, 3, 17), utc(2027, 2, 4, 1)),  # Los Angeles local times
    )
    assert org.avoid == (AvoidRequest("carol", utc(2027, 2, 14, 5), utc(2027, 2, 15, 5)),)
    assert all(type(lv) is Leave for lv in org.leave)
    assert org.history == (
        Assignment(Shift(utc(2026, 10, 5, 14), "search", utc(2026, 10, 12, 14)), "primary", "bob"),
        # No offset: team-local, New York on daylight time.
        Assignment(
            Shift(utc(2026, 10, 5, 14), "search", utc(2026, 10, 12, 14)), "secondary", "carol"
        ),
        # A follow-the-sun history shift takes the site of its slot.
        Assignment(
            Shift(utc(2026, 12, 1, 20), "edge", utc(2026, 12, 2, 8), site="amer"),
            "shadow",
            "frank",
        ),
    )


def test_parse_org_matches_load_org(tmp_path: Path) -> None:
    assert parse_org(FULL, "acme.yaml") == load_org(write(tmp_path, FULL))


def test_defaults(tmp_path: Path) -> None:
    org = load_org(write(tmp_path, MINIMAL))
    assert org.weights == Weights(2, 3, 4) and org.role_weights == RoleWeights(2, 1, 0)
    assert org.lookback_weeks == 26 and org.holidays == () and org.extra_holidays == ()
    assert org.leave == () and org.avoid == () and org.history == ()
    ann, ops = org.person("ann"), org.team("ops")
    assert (ann.timezone, ann.fte, ann.trainee) == ("Europe/Dublin", 1.0, None)
    assert ops.timezone == "Europe/Dublin" and ops.services == () and ops.runbook is None
    rotation = ops.rotation
    assert (rotation.handoff_weekday, rotation.handoff) == (1, time(9))
    assert rotation.roles == ("primary", "secondary")
    assert (rotation.min_roster, rotation.min_rest, rotation.slots) == (1, timedelta(0), ())


def test_weekly_handoff_defaults_with_slots(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        'handoff: "tue 09:00"}', "slots: [{start: 06:00, end: 18:00}, {start: 18:00, end: 06:00}]}"
    )
    rotation = load_org(write(tmp_path, text)).team("ops").rotation
    assert (rotation.handoff_weekday, rotation.handoff) == (0, time(9))
    assert rotation.slots == (Slot(time(6), time(18)), Slot(time(18), time(6)))


@pytest.mark.parametrize(
    ("handoff", "weekday", "clock"),
    [
        ("mon 10:00", 0, time(10)),
        ('"sun 23:30"', 6, time(23, 30)),
        ("Friday 9:05", 4, time(9, 5)),
        ("wed 00:00", 2, time(0)),
    ],
)
def test_weekly_handoffs(tmp_path: Path, handoff: str, weekday: int, clock: time) -> None:
    text = MINIMAL.replace('handoff: "tue 09:00"', f"handoff: {handoff}")
    rotation = load_org(write(tmp_path, text)).team("ops").rotation
    assert (rotation.handoff_weekday, rotation.handoff) == (weekday, clock)


@pytest.mark.parametrize(
    ("rest", "expected"),
    [("0", timedelta(0)), ("36h", timedelta(hours=36)), ("7d", timedelta(days=7))],
)
def test_min_rest_forms(tmp_path: Path, rest: str, expected: timedelta) -> None:
    text = MINIMAL.replace('handoff: "tue 09:00"', f'handoff: "tue 09:00", min_rest: {rest}')
    assert load_org(write(tmp_path, text)).team("ops").rotation.min_rest == expected


def with_leave(entries: str) -> str:
    people = "people:\n  - {id: lee, name: Lee, timezone: America/Los_Angeles}\n"
    people += "  - {id: ida, name: Ida, timezone: Europe/Dublin}\n"
    members = "members: [ann, lee, ida]"
    text = MINIMAL.replace("people:\n", people).replace("members: [ann]", members)
    return text + entries


def test_leave_dates_are_whole_local_days_across_dst(tmp_path: Path) -> None:
    text = with_leave(
        "leave:\n"
        "  - {person: lee, start: 2027-03-13, end: 2027-03-14}\n"  # US clocks go forward 14 Mar
        "  - {person: ida, start: 2027-03-28, end: 2027-03-28}\n"  # EU clocks go forward 28 Mar
        "  - {person: lee, start: 2027-11-07, end: 2027-11-07}\n"  # US clocks go back 7 Nov
    )
    lee_spring, ida_spring, lee_autumn = load_org(write(tmp_path, text)).leave
    assert (lee_spring.start, lee_spring.end) == (utc(2027, 3, 13, 8), utc(2027, 3, 15, 7))
    assert lee_spring.end - lee_spring.start == timedelta(hours=47)
    assert (ida_spring.start, ida_spring.end) == (utc(2027, 3, 28), utc(2027, 3, 28, 23))
    assert lee_autumn.end - lee_autumn.start == timedelta(hours=25)


def test_leave_local_times_and_offsets(tmp_path: Path) -> None:
    text = with_leave(
        "leave:\n"
        "  - {person: lee, start: 2027-07-01T09:00, end: 2027-07-01T17:00}\n"  # PDT
        '  - {person: lee, start: "2027-07-02T09:00+01:00", end: "2027-07-02T17:00Z"}\n'
        "  - {person: ida, start: 2027-07-03, end: 2027-07-03T12:00}\n"  # IST, mixed forms
    )
    first, second, third = load_org(write(tmp_path, text)).leave
    assert (first.start, first.end) == (utc(2027, 7, 1, 16), utc(2027, 7, 2))
    assert (second.start, second.end) == (utc(2027, 7, 2, 8), utc(2027, 7, 2, 17))
    assert (third.start, third.end) == (utc(2027, 7, 2, 23), utc(2027, 7, 3, 11))


def test_empty_optional_lists_are_allowed(tmp_path: Path) -> None:
    text = MINIMAL + "holidays: []\nleave: []\navoid:\nhistory: []\n"
    org = load_org(write(tmp_path, text))
    assert (org.holidays, org.leave, org.avoid, org.history) == ((), (), (), ())


# (replace this, with that, expected key path, expected message part, text on the error line)
BAD = [
    # unknown and missing keys, wrong shapes
    ("  timezone: Europe/Dublin\n", "  tmezone: Europe/Dublin\n", "people[0].tmezone",
     "unknown key; expected one of: id, name, email, timezone", "tmezone"),
    ("fairness:", "fairnes:", "fairnes", "expected one of: org, timezone", "fairnes:"),
    ("min_rest: 7d\n", "min_rest: 7d\n      minrest: 7d\n", "teams[0].rotation.minrest",
     'unknown key; expected one of: shift, handoff, roles, min_roster, min_rest, slots',
     "minrest"),
    ("{id: dan, name: Dan Fox}", "{id: dan}", "people[3].name", "required key is missing",
     "{id: dan}"),
    ("      shift: weekly\n", "", "teams[0].rotation.shift", "required key is missing",
     "    rotation:\n      handoff"),
    ("      handoff: mon 10:00\n", "", "teams[0].rotation.handoff", "required key is missing",
     "    rotation:\n      shift: weekly"),
    ("    name: Search\n", "    name:\n", "teams[0].name", "required key has no value",
     "    name:\n"),
    ("    name: Search\n", "    name: Search\n    name: Find\n", "teams[0].name",
     "duplicate key (first on line", "    name: Find"),
    ("members: [alice, bob, erin, frank]", "members: alice", "teams[1].members",
     'expected a list, got "alice"', "members: alice"),
    ("members: [carol, dan, grace]", "members: []", "teams[2].members",
     "expected a non-empty list", "members: []"),
    # time zones
    ("timezone: America/Los_Angeles", "timezone: Pacific Time", "timezone",
     'unknown time zone "Pacific Time"', "Pacific Time"),
    ("timezone: America/New_York}", "timezone: America/NewYork}", "people[2].timezone",
     'unknown time zone "America/NewYork"; expected an IANA name', "America/NewYork"),
    ("    timezone: America/New_York\n", "    timezone: Mars/Base\n", "teams[0].timezone",
     'unknown time zone "Mars/Base"', "Mars/Base"),
    # ids and references
    ("{id: dan, name: Dan Fox}", "{id: Dan, name: Dan Fox}", "people[3].id",
     'invalid id "Dan"; use only lowercase letters', "{id: Dan"),
    ("  - id: edge\n", "  - id: edge team\n", "teams[1].id", 'invalid id "edge team"', "edge team"),
    ("{id: grace, name: Grace Ito}", "{id: dan, name: Grace Ito}", "people[6].id",
     'duplicate person id "dan" (first at people[3])', "{id: dan, name: Grace"),
    ("  - id: edge\n", "  - id: search\n", "teams[1].id",
     'duplicate team id "search" (first at teams[0])', "  - id: search\n    name: Edge"),
    ("frank, grace]", "frank, gracie]", "teams[0].members[6]",
     'unknown person "gracie"; not listed under people (did you mean "grace"?)', "gracie"),
    ("members: [alice, bob, erin, frank]", "members: [alice, bob, erin, frank, bob]",
     "teams[1].members[4]", '"bob" is listed twice (first at teams[1].members[1])',
     "frank, bob]"),
    ("{person: alice, start: 2027-01-18", "{person: alicia, start: 2027-01-18",
     "leave[0].person", 'unknown person "alicia"', "alicia"),
    ("{person: carol, start: 2027-02-14", "{person: karol, start: 2027-02-14",
     "avoid[0].person", 'unknown person "karol"', "karol"),
    ("role: primary, person: bob,", "role: primary, person: rob,", "history[0].person",
     'unknown person "rob"', "person: rob"),
    # leave and avoid
    ("end: 2027-01-29}", "end: 2027-01-17}", "leave[0].end",
     "ends before it starts (2027-01-18 .. 2027-01-17)", "2027-01-17"),
    ('end: "2027-02-03T17:00"', 'end: "2027-02-03T08:00"', "leave[1].end",
     "ends before it starts", "T08:00"),
    ("end: 2027-02-14}", "end: 2027-02-13}", "avoid[0].end", "ends before it starts",
     "2027-02-13"),
    ("end: 2027-01-29}", "end: 2027-02-30}", "leave[0].end",
     'cannot parse date "2027-02-30"; expected YYYY-MM-DD', "2027-02-30"),
    ("end: 2027-01-29}", "end: next week}", "leave[0].end",
     'cannot parse "next week"; expected a date like', "next week"),
    # people
    ("fte: 0.6", "fte: 0", "people[0].fte", "fte must be more than 0 and at most 1, got 0",
     "fte: 0"),
    ("fte: 0.6", "fte: 1.5", "people[0].fte", "at most 1, got 1.5", "fte: 1.5"),
    ("fte: 0.6", "fte: -0.5", "people[0].fte", "more than 0", "fte: -0.5"),
    ("fte: 0.6", "fte: 60%", "people[0].fte", 'expected a number like 0.6, got "60%"', "60%"),
    ("joined: 2026-09-01", "joined: September", "people[0].joined", 'cannot parse date "September"',
     "September"),
    ("email: bob@acme.example", "email: bob at acme", "people[1].email", "not an email address",
     "bob at acme"),
    ("shadows: 2", "shadows: -1", "people[0].trainee.shadows", "must be at least 0, got -1",
     "shadows: -1"),
    ("secondaries: 1", "secondaries: -2", "people[0].trainee.secondaries",
     "must be at least 0, got -2", "secondaries: -2"),
    ("shadows: 2", "shadows: two", "people[0].trainee.shadows",
     'expected a whole number, got "two"', "shadows: two"),
    # rotations
    ("handoff: mon 10:00", "handoff: monday 25:00", "teams[0].rotation.handoff",
     'cannot parse handoff "monday 25:00"; expected weekday and time like "mon 10:00"',
     "monday 25:00"),
    ("handoff: mon 10:00", "handoff: 10:00", "teams[0].rotation.handoff",
     'cannot parse handoff "10:00"; expected weekday', "handoff: 10:00"),
    ("handoff: 09:30", "handoff: tue 09:30", "teams[2].rotation.handoff",
     'cannot parse handoff "tue 09:30"; expected a time like "09:00"', "tue 09:30"),
    ("shift: weekly", "shift: fortnightly", "teams[0].rotation.shift",
     'unknown value "fortnightly"; expected one of: weekly, daily', "fortnightly"),
    ("min_rest: 7d", "min_rest: 7 days", "teams[0].rotation.min_rest",
     'cannot parse duration "7 days"; expected days and hours like "7d", "36h"', "7 days"),
    ("min_rest: 7d", "min_rest: 1w", "teams[0].rotation.min_rest", 'cannot parse duration "1w"',
     "1w"),
    ("min_roster: 6", "min_roster: 0", "teams[0].rotation.min_roster",
     "must be at least 1, got 0", "min_roster: 0"),
    ("min_roster: 6", "min_roster: six", "teams[0].rotation.min_roster",
     'expected a whole number, got "six"', "six"),
    ("roles: [primary, secondary]", "roles: [secondary]", "teams[0].rotation.roles",
     "roles must include primary", "roles: [secondary]"),
    ("roles: [primary, secondary]", "roles: []", "teams[0].rotation.roles",
     "expected a non-empty list", "roles: []"),
    ("roles: [primary, secondary]", "roles: [primary, backup]", "teams[0].rotation.roles[1]",
     'unknown value "backup"; expected one of: primary, secondary', "backup"),
    ("roles: [primary, secondary]", "roles: [primary, primary]", "teams[0].rotation.roles[1]",
     'role "primary" is listed twice', "[primary, primary]"),
    ("{start: 08:00, end: 20:00", "{start: 8am, end: 20:00", "teams[1].rotation.slots[0].start",
     'cannot parse time "8am"; expected HH:MM', "8am"),
    ("end: 08:00, site: amer}", "end: 24:00, site: amer}", "teams[1].rotation.slots[1].end",
     'cannot parse time "24:00"', "24:00"),
    ("end: 08:00, site: amer}", "end: 08:00, site: apac}", "teams[1].rotation.slots[1].site",
     'no member of this team has site "apac"', "apac"),
    # holidays and weights
    ("holidays: [US]\nextra", "holidays: [UX]\nextra", "holidays[0]",
     'unknown holiday country "UX"', "[UX]"),
    ("holidays: [IE]", "holidays: [EI]", "teams[1].holidays[0]", 'unknown holiday country "EI"',
     "[EI]"),
    ("extra_holidays: [2027-01-04]", "extra_holidays: [2027-1-4]", "extra_holidays[0]",
     'cannot parse date "2027-1-4"', "2027-1-4"),
    ("  holiday: 5", "  holiday: five", "weights.holiday", 'expected a whole number, got "five"',
     "five"),
    ("  primary: 3", "  primary: 3.5", "role_weights.primary", 'expected a whole number, got "3.5"',
     "3.5"),
    ("lookback_weeks: 13", "lookback_weeks: 13.5", "fairness.lookback_weeks",
     'expected a whole number, got "13.5"', "13.5"),
    # history
    ("role: secondary, person: carol", "role: tertiary, person: carol", "history[1].role",
     'unknown value "tertiary"; expected one of: primary, secondary, shadow', "tertiary"),
    ("{team: edge, role: shadow", "{team: edgy, role: shadow", "history[2].team",
     'unknown team "edgy"; not listed under teams (did you mean "edge"?)', "edgy"),
    ('end: "2026-12-02T08:00"', 'end: "2026-12-01T20:00"', "history[2].end",
     "ends before it starts", 'end: "2026-12-01T20:00"'),
    ("start: 2026-10-05T10:00, end", "start: 2026-10-05, end", "history[1].start",
     'cannot parse "2026-10-05"; expected a time like "2027-02-03T09:00"', "start: 2026-10-05,"),
    ("role: secondary, person: carol", "role: secondary, person: bob", "history[1].person",
     '"bob" already holds a role of this shift (at history[0])', "role: secondary, person: bob"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "key_path", "message", "marker"), BAD, ids=[case[2] for case in BAD]
)
def test_bad_input_names_file_key_path_and_line(
    tmp_path: Path, old: str, new: str, key_path: str, message: str, marker: str
) -> None:
    assert old in FULL
    text = FULL.replace(old, new, 1)
    path = write(tmp_path, text)
    err = error_for(tmp_path, text)
    line = line_of(text, marker)
    assert (err.filename, err.key_path, err.line) == (str(path), key_path, line)
    assert message in err.message
    assert str(err) == f"{path}: {key_path} (line {line}): {err.message}"


def test_unquoted_time_never_shows_as_a_number(tmp_path: Path) -> None:
    err = error_for(tmp_path, FULL.replace("handoff: mon 10:00", "handoff: 10:00"))
    assert "10:00" in str(err) and "600" not in str(err)


@pytest.mark.parametrize(
    ("old", "new", "key_path", "marker"),
    [
        ("  - id: search\n", "\t- id: search\n", "teams", "\t- id"),
        ("    name: Alice Chen\n", "    name: Alice Chen\n     bad: x\n", "people[0]", "     bad"),
        # The parser notices on the next line; the path names the last item it read.
        (
            "[alice, bob, erin, frank]",
            "[alice, bob, erin, frank",
            "teams[1].members[3]",
            "    rotation:\n      shift: daily\n      roles",
        ),
    ],
)
def test_yaml_syntax_errors_name_line_and_path(
    tmp_path: Path, old: str, new: str, key_path: str, marker: str
) -> None:
    text = FULL.replace(old, new, 1)
    err = error_for(tmp_path, text)
    assert err.message.startswith("YAML syntax error: ")
    assert (err.key_path, err.line) == (key_path, line_of(text, marker))


def test_more_than_one_document_is_an_error(tmp_path: Path) -> None:
    err = error_for(tmp_path, MINIMAL + "---\norg: Other\n")
    assert err.message.startswith("YAML syntax error") and err.line == line_of(
        MINIMAL + "---\n", "---"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "the file is empty"), ("- a\n- b\n", "expected a mapping of keys to values")],
)
def test_wrong_documents(tmp_path: Path, text: str, message: str) -> None:
    err = error_for(tmp_path, text)
    assert err.filename == str(tmp_path / "acme.yaml") and message in err.message


def test_missing_top_level_key_names_it(tmp_path: Path) -> None:
    err = error_for(tmp_path, MINIMAL.replace("timezone: Europe/Dublin\n", ""))
    assert (err.key_path, err.line, err.message) == ("timezone", 1, "required key is missing")


def test_unreadable_file_is_an_org_file_error(tmp_path: Path) -> None:
    with pytest.raises(OrgFileError, match="cannot read the file") as caught:
        load_org(tmp_path / "missing.yaml")
    assert caught.value.filename == str(tmp_path / "missing.yaml")


def test_parse_org_labels_errors_with_the_given_filename() -> None:
    with pytest.raises(OrgFileError) as caught:
        parse_org(MINIMAL.replace("shift: weekly", "shift: hourly"), "tiny.yaml")
    assert str(caught.value).startswith("tiny.yaml: teams[0].rotation.shift (line 9): ")


@pytest.mark.parametrize("name", ["acme.yaml", "team.yaml"])
def test_sample_data_loads(name: str) -> None:
    org = load_org(DATA / name)
    assert org.teams and org.people


def test_swaps_need_approval_is_true_or_false() -> None:
    text = FULL.replace("swaps_need_approval: true", "swaps_need_approval: maybe")
    with pytest.raises(OrgFileError) as caught:
        parse_org(text, "org.yaml")
    assert caught.value.key_path == "teams[0].swaps_need_approval"
    assert 'expected true or false, got "maybe"' in str(caught.value)
