"""`rota import-history`: calendar exports of PagerDuty, Opsgenie, Grafana OnCall and GoAlert."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from support.builders import TEAM_FILE
from support.database import cli_url, counts

from scheduler import store
from scheduler.cli import main
from scheduler.domain.orgfile import load_org

FIXTURES = Path(__file__).parent.parent / "fixtures" / "history"
NOW = ("--now", "2027-01-04T00:00Z")


def run(*args, env=None) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args], env=env)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result


def from_file(name: str, *extra) -> Result:
    """Read a fixture against data/team.yaml (no database), as JSON."""
    return run("import-history", FIXTURES / name, "--org", TEAM_FILE, *NOW, "--json", *extra)


def shifts(result: Result) -> list[tuple[str, str, str]]:
    return [(s["person"], s["start"], s["end"]) for s in json.loads(result.stdout)["shifts"]]


@pytest.mark.parametrize(
    ("name", "extra", "expected"),
    [
        (  # the person in the ATTENDEE (email matched in any case) and in the summary
            "pagerduty.ics",
            ("--team", "checkout"),
            ["ada", "barbara", "ken", "ada", "radia"],
        ),
        (  # TZID with its VTIMEZONE, the name in the summary in another case
            "opsgenie.ics",
            ("--team", "checkout"),
            ["dennis", "frances"],
        ),
        (  # a username in the summary, the email in the attendee
            "grafana-oncall.ics",
            ("--team", "checkout"),
            ["grace", "edsger"],
        ),
        (  # a personal feed names only the schedule: --person says whose it is
            "goalert-ken.ics",
            ("--team", "checkout", "--person", "ken"),
            ["ken", "ken"],
        ),
    ],
)
def test_each_tool_s_export_is_matched_to_the_org_s_people(name, extra, expected):
    result = from_file(name, *extra)
    assert result.exit_code == 0, result.output
    assert [person for person, _, _ in shifts(result)] == expected
    assert json.loads(result.stdout)["unmatched"] == []


def test_times_are_utc_whatever_the_file_s_zone():
    opsgenie = shifts(from_file("opsgenie.ics", "--team", "checkout"))
    # 10:00 in New York on 2 November 2026 (EST, after the clocks went back) is 15:00 UTC
    assert opsgenie[0] == ("dennis", "2026-11-02T15:00:00Z", "2026-11-09T15:00:00Z")
    grafana = shifts(from_file("grafana-oncall.ics", "--team", "checkout"))
    assert grafana[0] == ("grace", "2026-10-05T14:00:00Z", "2026-10-12T14:00:00Z")


def test_recurrences_are_expanded_with_exceptions_overrides_and_cancellations():
    got = shifts(from_file("recurring.ics", "--team", "checkout"))
    assert got == [
        ("ada", "2026-08-10T14:00:00Z", "2026-08-17T14:00:00Z"),  # 24 Aug is an EXDATE
        ("barbara", "2026-09-07T14:00:00Z", "2026-09-14T14:00:00Z"),  # an overridden instance
        # 21 Sep is a cancelled instance
        ("ada", "2026-10-05T14:00:00Z", "2026-10-12T14:00:00Z"),
        ("ada", "2026-10-19T14:00:00Z", "2026-10-26T14:00:00Z"),
        # a floating time is read in the team's zone (New York, EST by then)
        ("dennis", "2026-11-16T15:00:00Z", "2026-11-23T15:00:00Z"),
        # an all-day event runs from the team's midnight to the midnight after its last day
        ("grace", "2026-11-24T05:00:00Z", "2026-11-30T05:00:00Z"),
        # the cancelled event of 7 December is not a shift
    ]


def test_shifts_not_over_by_now_are_not_history():
    early = from_file("pagerduty.ics", "--team", "checkout", "--now", "2026-11-10T00:00Z")
    assert [p for p, _, _ in shifts(early)] == ["ada", "barbara"]


def test_the_printed_entries_load_as_org_file_history(tmp_path):
    result = run("import-history", FIXTURES / "opsgenie.ics", "--org", TEAM_FILE, "--team",
                 "checkout", *NOW)  # fmt: skip
    assert result.exit_code == 0, result.output
    entries = result.stdout.split("history:\n", 1)[1]
    text = Path(TEAM_FILE).read_text().replace("history:\n", "history:\n" + entries, 1)
    org = load_org(_write(tmp_path, text))
    assert len(org.history) == len(load_org(TEAM_FILE).history) + 2
    assert {a.person for a in org.history} >= {"dennis", "frances"}


def test_unknown_people_exit_2_naming_them_and_their_events(tmp_path):
    text = (FIXTURES / "grafana-oncall.ics").read_text().replace("edsger", "zed")
    path = _write(tmp_path, text, "grafana.ics")
    result = run("import-history", path, "--org", TEAM_FILE, "--team", "checkout", *NOW, "--json")
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert payload["unmatched"] == [
        {"person": "zed@checkout.example",
         "events": [{"uid": "oncall-U8RJ7-2026-10-12", "start": "2026-10-12T14:00:00Z"}]}
    ]  # fmt: skip
    assert "1 person in the file is not in the org" in result.stderr
    assert "oncall-U8RJ7-2026-10-12 at 2026-10-12T14:00Z" in result.stderr


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("hello, world\n", "not an iCalendar file"),
        ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "the calendar has no events"),
        (
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x1\r\nDTSTART:20261102T150000Z\r\n"
            "DTEND:20261101T150000Z\r\nSUMMARY:Ada Lovelace\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "event x1 at 2026-11-02T15:00Z: it ends before it starts",
        ),
        (
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nDTSTART:20261102T150000Z\r\n"
            "DTEND:20261109T150000Z\r\nSUMMARY:Ada Lovelace\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\n"
            "UID:b\r\nDTSTART:20261105T150000Z\r\nDTEND:20261112T150000Z\r\n"
            "SUMMARY:Ken Thompson\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "event a at 2026-11-02T15:00Z (ada) and event b at 2026-11-05T15:00Z (ken) overlap",
        ),
        (  # before the supported years: refused, not silently left out of the window
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:old\r\nDTSTART:00010101T090000Z\r\n"
            "DTEND:00010108T090000Z\r\nSUMMARY:Ada Lovelace\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "event old at 0001-01-01T09:00Z: dates must lie between 1900-01-01 and 2200-12-31",
        ),
    ],
)
def test_a_file_not_understood_exits_2_naming_file_event_and_reason(tmp_path, text, reason):
    path = _write(tmp_path, text, "export.ics")
    result = run("import-history", path, "--org", TEAM_FILE, "--team", "checkout", *NOW)
    assert result.exit_code == 2
    assert str(path) in result.stderr
    assert reason in result.stderr
    assert "nothing was imported" in result.stderr


def test_an_ics_file_needs_a_known_team(tmp_path):
    no_team = run("import-history", FIXTURES / "pagerduty.ics", "--org", TEAM_FILE, *NOW)
    assert no_team.exit_code == 2 and "needs --team" in no_team.stderr
    wrong = run("import-history", FIXTURES / "pagerduty.ics", "--org", TEAM_FILE, "--team", "x")
    assert wrong.exit_code == 2 and "no team 'x' (teams: checkout)" in wrong.stderr


def test_the_csv_form_names_team_role_and_person_per_row(tmp_path):
    path = _write(
        tmp_path,
        "team,role,start,end,person\n"
        "checkout,primary,2026-11-02T10:00,2026-11-09T10:00,Ada Lovelace\n"
        "checkout,secondary,2026-11-02T10:00-05:00,2026-11-09T10:00-05:00,KEN@checkout.example\n",
        "history.csv",
    )
    result = run("import-history", path, "--org", TEAM_FILE, *NOW, "--json")
    assert result.exit_code == 0, result.output
    got = [(s["person"], s["role"], s["start"]) for s in json.loads(result.stdout)["shifts"]]
    assert got == [("ada", "primary", "2026-11-02T15:00:00Z"),
                   ("ken", "secondary", "2026-11-02T15:00:00Z")]  # fmt: skip
    bad = _write(tmp_path, "team,role,start,end,person\ncheckout,pilot,x,y,ada\n", "bad.csv")
    refused = run("import-history", bad, "--org", TEAM_FILE, *NOW)
    assert refused.exit_code == 2 and "bad.csv: line 2: role 'pilot'" in refused.stderr


# --- into the database ---------------------------------------------------------------------


@pytest.fixture
def rota(engine, db_url, monkeypatch):
    monkeypatch.setenv("ROTA_DATABASE_URL", cli_url(db_url))
    return run


def calendar_rows(sessions) -> list[tuple[str, str, datetime]]:
    with sessions() as session:
        rows = session.scalars(
            select(store.HistoryRow).where(store.HistoryRow.source == "calendar")
        ).all()
        return sorted((r.person_id, r.role, r.start) for r in rows)


def test_import_adds_history_once_and_the_org_file_import_keeps_it(rota, sessions):
    assert rota("import", TEAM_FILE).exit_code == 0
    first = rota("import-history", FIXTURES / "pagerduty.ics", "--team", "checkout", *NOW)
    assert first.exit_code == 0, first.output
    assert "added 5 shifts of 4 people to history" in first.stdout
    added = calendar_rows(sessions)
    assert len(added) == 5
    again = rota("import-history", FIXTURES / "pagerduty.ics", "--team", "checkout", *NOW)
    assert again.exit_code == 0
    assert "added 0 shifts" in again.stdout and "5 were already there" in again.stdout
    assert rota("import", TEAM_FILE).exit_code == 0  # the file's history is replaced, not ours
    assert calendar_rows(sessions) == added
    with sessions() as session:
        org = store.org_from_rows(session, store.org_row_by_name(session, None))
    starts = {(a.person, a.shift.start) for a in org.history}
    assert ("radia", datetime(2026, 11, 23, 15, tzinfo=UTC)) in starts  # the planner sees it


def test_dry_run_and_refusals_write_nothing(rota, sessions, tmp_path):
    assert rota("import", TEAM_FILE).exit_code == 0
    before = counts(sessions)
    dry = rota("import-history", FIXTURES / "pagerduty.ics", "--team", "checkout", *NOW,
               "--dry-run")  # fmt: skip
    assert dry.exit_code == 0 and "would add 5 shifts of 4 people" in dry.stdout
    text = (FIXTURES / "pagerduty.ics").read_text().replace("Radia Perlman", "Zed Unknown")
    text = text.replace("radia@", "zed@")
    unknown = rota("import-history", _write(tmp_path, text, "pd.ics"), "--team", "checkout", *NOW)
    assert unknown.exit_code == 2 and "zed@checkout.example" in unknown.stderr
    assert counts(sessions) == before


def test_a_shift_over_someone_else_s_history_is_refused(rota, sessions, tmp_path):
    assert rota("import", TEAM_FILE).exit_code == 0
    before = counts(sessions)
    # team.yaml's history has Ada as primary from 7 to 14 December 2026
    clash = _write(
        tmp_path,
        "team,role,start,end,person\n"
        "checkout,primary,2026-11-30T10:00,2026-12-07T10:00,dennis\n"
        "checkout,primary,2026-12-08T10:00,2026-12-09T10:00,ken\n",
        "clash.csv",
    )
    result = rota("import-history", clash, *NOW)
    assert result.exit_code == 2
    assert "line 3" in result.stderr and "overlaps ada's primary history" in result.stderr
    assert counts(sessions) == before


def _write(tmp_path: Path, text: str, name: str = "org.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path
