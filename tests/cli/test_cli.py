"""The `rota plan` command: files written, JSON, exit codes, and errors that say where."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from scheduler.cli import main

ORG = textwrap.dedent(
    """\
    org: Tiny
    timezone: America/New_York
    holidays: [US]
    people:
      - {id: ann, name: Ann Lee}
      - {id: bob, name: Bob Ray, timezone: Europe/Berlin}
      - {id: cat, name: Cat Poe}
      - {id: dan, name: Dan Wu}
      - {id: eve, name: Eve Fox, fte: 0.5}
    teams:
      - id: search
        name: Search
        members: [ann, bob, cat, dan, eve]
        rotation:
          shift: weekly
          handoff: mon 10:00
          roles: [primary, secondary]
          min_roster: 2
          min_rest: 1d
    leave:
      - {person: ann, start: 2027-01-11, end: 2027-01-17}
    """
)
FAST = ("--time-limit", "5", "--workers", "1")
ISO_WITH_OFFSET = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}")


def write(tmp_path: Path, text: str, name: str = "org.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rota(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def plan(org: Path, out: Path, *extra: str, weeks: int = 3, start: str = "2027-01-04") -> Result:
    return rota("plan", org, "--start", start, "--weeks", str(weeks), "--out", out, *FAST, *extra)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def assert_no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )


# --- a plan ----------------------------------------------------------------------------------


def test_plan_writes_plan_fairness_and_feeds(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = plan(write(tmp_path, ORG), out)
    assert result.exit_code == 0, result.output
    assert "max load ratio" in result.stdout

    with (out / "plan.csv").open(encoding="utf-8") as handle:
        assert handle.readline().strip() == "team,role,start,end,person"
    rows = read_csv(out / "plan.csv")
    assert len(rows) == 3 * 2  # three weeks, primary and secondary
    for row in rows:
        assert row["team"] == "search"
        assert row["role"] in ("primary", "secondary")
        assert row["person"] in {"ann", "bob", "cat", "dan", "eve"}
        for key in ("start", "end"):
            assert ISO_WITH_OFFSET.fullmatch(row[key]), row[key]
        start = datetime.fromisoformat(row["start"])
        assert (start.weekday(), start.hour, start.utcoffset().total_seconds()) == (
            0,
            10,
            -5 * 3600,
        )
    ann = [r for r in rows if r["person"] == "ann"]
    assert all(not r["start"].startswith("2027-01-11") for r in ann), "Ann is on leave"

    fairness = read_csv(out / "fairness.csv")
    assert {r["person"] for r in fairness} == {"ann", "bob", "cat", "dan", "eve"}
    for key in ("points", "fair_share", "ratio"):
        assert key in fairness[0]

    feeds = sorted(p.name for p in (out / "feeds").glob("*.ics"))
    assert feeds == ["ann.ics", "bob.ics", "cat.ics", "dan.ics", "eve.ics", "team-search.ics"]
    team_feed = (out / "feeds" / "team-search.ics").read_bytes()
    assert team_feed.startswith(b"BEGIN:VCALENDAR\r\n")
    assert team_feed.count(b"BEGIN:VEVENT") == 6


def test_history_inside_the_horizon_is_left_out_and_said(tmp_path: Path) -> None:
    """History is past on-call: an entry in the planned weeks would credit Cat with a week
    the plan gives to others, so it is left out, with a warning naming the file."""
    week = '{team: search, role: primary, person: cat, start: "2027-01-11T10:00-05:00", '
    before = '{team: search, role: primary, person: dan, start: "2026-12-28T10:00-05:00", '
    text = ORG + (
        "history:\n"
        f'  - {before}end: "2027-01-04T10:00-05:00"}}\n'
        f'  - {week}end: "2027-01-18T10:00-05:00"}}\n'
    )
    out = tmp_path / "out"
    result = plan(write(tmp_path, text), out)
    assert result.exit_code == 0, result.output
    assert "left out 1 history entry from 2027-01-04 on" in result.stderr
    points = {r["person"]: float(r["history_points"]) for r in read_csv(out / "fairness.csv")}
    assert points["cat"] == 0 and points["dan"] > 0  # the week before still counts


def test_a_start_days_before_the_first_handoff_is_warned_about(tmp_path: Path) -> None:
    org_path = write(tmp_path, ORG)
    mid_week = plan(org_path, tmp_path / "a", start="2027-01-06")
    assert mid_week.exit_code == 0, mid_week.output
    assert "search: the first shift starts Mon 2027-01-11 10:00" in mid_week.stderr
    on_the_day = plan(org_path, tmp_path / "b", start="2027-01-04")  # 10 hours: the usual
    assert on_the_day.exit_code == 0 and "first shift starts" not in on_the_day.stderr
    running = '{team: search, role: primary, person: dan, start: "2027-01-04T10:00-05:00", '
    covered = write(tmp_path, ORG + f'history:\n  - {running}end: "2027-01-11T10:00-05:00"}}\n')
    held = plan(covered, tmp_path / "c", start="2027-01-06")  # history runs up to the handoff
    assert held.exit_code == 0 and "first shift starts" not in held.stderr


def test_json_prints_one_object_with_the_figures(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = plan(write(tmp_path, ORG), out, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["status"] in ("OPTIMAL", "FEASIBLE")
    assert payload["max_load_ratio"] >= 1.0
    assert payload["lower_bound"] is not None
    assert payload["lower_bound"] <= payload["max_load_ratio"]
    assert 0 <= payload["solve_seconds"] < 5
    assert "explanation" not in payload
    assert (out / "plan.csv").exists()


def test_json_lower_bound_never_exceeds_the_max_load_ratio(tmp_path: Path) -> None:
    # Three people, weekly primary, two weeks from the Berlin spring change: the best ratio,
    # 768 / 510 = 1.505882..., is not a whole number of the solver's 1/10,000 units.
    org = textwrap.dedent(
        """\
        org: Spring
        timezone: Europe/Berlin
        fairness: {lookback_weeks: 0}
        people:
          - {id: ann, name: Ann}
          - {id: bob, name: Bob}
          - {id: cat, name: Cat}
        teams:
          - id: ops
            name: Ops
            members: [ann, bob, cat]
            rotation: {shift: weekly, handoff: "mon 09:00", roles: [primary]}
        """
    )
    result = plan(write(tmp_path, org), tmp_path / "out", "--json", weeks=2, start="2027-03-22")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["max_load_ratio"] == pytest.approx(768 / 510, abs=1e-6)
    assert payload["lower_bound"] <= payload["max_load_ratio"], payload


# --- no plan ---------------------------------------------------------------------------------

INFEASIBLE_ORG = ORG.replace("min_roster: 2", "min_roster: 6")


def test_infeasible_org_exits_1_with_the_explanation_on_stderr(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = plan(write(tmp_path, INFEASIBLE_ORG), out)
    assert result.exit_code == 1
    assert_no_traceback(result)
    assert "search" in result.stderr and "roster" in result.stderr
    assert "at least 6 trained members" in result.stderr
    assert not (out / "plan.csv").exists(), "never a silent partial plan"


def test_infeasible_org_with_json_gives_the_explanation(tmp_path: Path) -> None:
    result = plan(write(tmp_path, INFEASIBLE_ORG), tmp_path / "out", "--json")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["status"] == "INFEASIBLE"
    assert payload["max_load_ratio"] is None
    assert "solve_seconds" in payload and "lower_bound" in payload
    assert payload["explanation"] and all(isinstance(s, str) for s in payload["explanation"])
    assert payload["explanation"][0] in result.stderr


def test_infeasible_found_by_the_solver_is_explained(tmp_path: Path) -> None:
    # Four people, primary and secondary weekly, a day's rest and Ann away in week two: the
    # counting checks pass, the solver finds no plan, and the core explains why.
    org = ORG.replace("  - {id: eve, name: Eve Fox, fte: 0.5}\n", "").replace(", eve]", "]")
    result = plan(write(tmp_path, org), tmp_path / "out", "--json")
    assert result.exit_code == 1, result.output
    payload = json.loads(result.stdout)
    assert payload["status"] == "INFEASIBLE"
    assert any("search" in s for s in payload["explanation"])
    assert_no_traceback(result)


# --- bad input -------------------------------------------------------------------------------

BAD_INPUTS = {
    "yaml syntax": (
        ("  - {id: cat, name: Cat Poe}", "  - {id: cat, name: Cat Poe"),
        "people[2]",
        "YAML syntax error",
    ),
    "unknown key": (
        ("      min_roster: 2", "      min_roster: 2\n      min_rost: 3"),
        "teams[0].rotation.min_rost (line 19)",
        'did you mean "min_roster"',
    ),
    "unknown timezone": (
        ("timezone: Europe/Berlin", "timezone: Europe/Berln"),
        "people[1].timezone (line 6)",
        "Europe/Berln",
    ),
    "unknown member": (
        ("members: [ann, bob, cat, dan, eve]", "members: [ann, bob, cat, dan, zed]"),
        "teams[0].members[4] (line 13)",
        '"zed"',
    ),
    "duplicate id": (
        ("  - {id: cat, name: Cat Poe}", "  - {id: ann, name: Cat Poe}"),
        "people[2].id (line 7)",
        'duplicate person id "ann"',
    ),
    "leave ends before it starts": (
        ("start: 2027-01-11, end: 2027-01-17", "start: 2027-01-17, end: 2027-01-11"),
        "leave[0].end (line 21)",
        "ends before it starts",
    ),
    "fte 0": (("fte: 0.5", "fte: 0"), "people[4].fte (line 9)", "fte"),
    "bad handoff": (
        ("handoff: mon 10:00", "handoff: monday 25:00"),
        "teams[0].rotation.handoff (line 16)",
        "monday 25:00",
    ),
    "bad min_rest": (
        ("min_rest: 1d", "min_rest: a week"),
        "teams[0].rotation.min_rest (line 19)",
        "a week",
    ),
}


@pytest.mark.parametrize(("change", "where", "what"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_exits_2_naming_file_key_path_and_line(tmp_path, change, where, what) -> None:
    old, new = change
    assert old in ORG
    path = write(tmp_path, ORG.replace(old, new), "acme-org.yaml")
    result = plan(path, tmp_path / "out")
    assert result.exit_code == 2, result.output
    assert_no_traceback(result)
    message = result.stderr
    assert "acme-org.yaml" in message
    assert where in message
    assert "line " in message
    assert what in message
    assert not (tmp_path / "out").exists()


def test_missing_org_file_exits_2(tmp_path: Path) -> None:
    result = plan(tmp_path / "nowhere.yaml", tmp_path / "out")
    assert result.exit_code == 2
    assert "nowhere.yaml" in result.stderr
    assert_no_traceback(result)


def test_bad_start_date_exits_2(tmp_path: Path) -> None:
    result = rota("plan", write(tmp_path, ORG), "--start", "next monday", *FAST)
    assert result.exit_code == 2
    assert "next monday" in result.stderr
    assert_no_traceback(result)


# --- a previous plan -------------------------------------------------------------------------


def test_previous_plan_with_now_keeps_started_shifts(tmp_path: Path) -> None:
    first_out, second_out = tmp_path / "first", tmp_path / "second"
    assert plan(write(tmp_path, ORG), first_out, weeks=4).exit_code == 0
    first = read_csv(first_out / "plan.csv")
    # Whoever holds primary in the week of 25 January now takes that week off.
    week4 = next(r for r in first if r["start"].startswith("2027-01-25") and r["role"] == "primary")
    who = week4["person"]
    leave = f"  - {{person: {who}, start: 2027-01-25, end: 2027-01-31}}\n"
    org = write(tmp_path, ORG + leave, "org2.yaml")
    now = "2027-01-12T12:00:00-05:00"
    result = plan(org, second_out, "--previous", str(first_out / "plan.csv"), "--now", now, weeks=4)
    assert result.exit_code == 0, result.output
    second = read_csv(second_out / "plan.csv")

    cutoff = datetime.fromisoformat(now)
    started = [r for r in first if datetime.fromisoformat(r["start"]) < cutoff]
    assert started and all(r in second for r in started)
    assert not any(r["person"] == who and r["start"].startswith("2027-01-25") for r in second)
    changed = [r for r in first if r not in second]
    assert len(changed) <= 4, changed


def test_previous_without_now_is_bad_input(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert plan(write(tmp_path, ORG), out).exit_code == 0
    result = plan(write(tmp_path, ORG), tmp_path / "again", "--previous", str(out / "plan.csv"))
    assert result.exit_code == 2
    assert "--now" in result.stderr


def test_previous_plan_with_a_bad_row_names_file_and_line(tmp_path: Path) -> None:
    previous = write(
        tmp_path,
        "team,role,start,end,person\n"
        "search,primary,2027-01-04 at ten,2027-01-11T10:00:00-05:00,alice\n",
        "old.csv",
    )
    result = plan(
        write(tmp_path, ORG),
        tmp_path / "out",
        "--previous",
        str(previous),
        "--now",
        "2027-01-05T00:00:00+00:00",
    )
    assert result.exit_code == 2
    assert "old.csv" in result.stderr and "line 2" in result.stderr and "at ten" in result.stderr
    assert_no_traceback(result)


def test_previous_plan_that_is_not_utf8_is_bad_input(tmp_path: Path) -> None:
    previous = tmp_path / "old.csv"
    previous.write_bytes(b"team,role,start,end,person\n\xff\xfe\n")
    now = "2027-01-05T00:00:00+00:00"
    result = plan(write(tmp_path, ORG), tmp_path / "out", "--previous", str(previous), "--now", now)
    assert result.exit_code == 2
    assert "old.csv" in result.stderr and "UTF-8" in result.stderr
    assert_no_traceback(result)


# --- the console script ----------------------------------------------------------------------


def test_console_script_runs(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("rota")
    command = str(script) if script.exists() else shutil.which("rota")
    assert command, "the rota console script is installed"
    out = tmp_path / "out"
    completed = subprocess.run(
        [command, "plan", str(write(tmp_path, ORG)), "--start", "2027-01-04", "--weeks", "2"]
        + ["--out", str(out), "--json", *FAST],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    payload = json.loads(completed.stdout)
    assert payload["status"] in ("OPTIMAL", "FEASIBLE")
    assert (out / "plan.csv").exists() and (out / "fairness.csv").exists()
    assert list((out / "feeds").glob("*.ics"))


@pytest.mark.parametrize(
    "option",
    [
        ("--time-limit", "nan"),
        ("--tolerance", "NaN"),
        ("--seed", "2147483648"),
        ("--seed", "-2147483649"),
    ],
)
def test_numbers_the_solver_cannot_take_are_bad_input(tmp_path: Path, option) -> None:
    result = plan(write(tmp_path, ORG), tmp_path / "out", *option)
    assert result.exit_code == 2, result.output
    assert option[0] in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
