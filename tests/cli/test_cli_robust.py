"""`rota plan` under stress: Ctrl-C, a writer failing midway, time-outs and proven
impossibility told apart, horizons past the supported dates."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

import pytest
from test_cli import ORG, plan, read_csv, rota, write

from scheduler.cli import plan as plan_module
from scheduler.domain import rules
from scheduler.domain.model import Assignment, Plan
from scheduler.domain.orgfile import load_org
from scheduler.domain.shifts import make_problem
from scheduler.solve import Outcome

REPO = Path(__file__).resolve().parents[2]


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


# --- --out holds one run -----------------------------------------------------------------------


def test_a_writer_failing_midway_leaves_the_previous_run_intact(tmp_path, monkeypatch):
    org, out = write(tmp_path, ORG), tmp_path / "out"
    assert plan(org, out).exit_code == 0
    before = snapshot(out)
    assert {"plan.csv", "fairness.csv"} <= set(before) and any("feeds/" in k for k in before)

    from scheduler.domain import feedfiles

    def broken(org, plan, directory, now, warn=None):
        (Path(directory) / "half.ics").write_text("BEGIN:VCALENDAR\r\n")  # a half-written feed
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(feedfiles, "write_feeds", broken)
    result = plan(org, out, weeks=5)  # another horizon: every file would differ
    assert result.exit_code != 0
    assert snapshot(out) == before  # not one file of the failed run, not one missing
    assert leftovers(tmp_path) == []  # the staging directory is gone


def test_a_second_run_replaces_the_first_whole(tmp_path):
    org, out = write(tmp_path, ORG), tmp_path / "out"
    assert plan(org, out, weeks=5).exit_code == 0
    assert plan(org, out, weeks=2).exit_code == 0
    assert {r["start"][:10] for r in read_csv(out / "plan.csv")} == {"2027-01-04", "2027-01-11"}
    assert leftovers(tmp_path) == []


def test_out_holding_other_files_is_refused_before_solving(tmp_path):
    org, out = write(tmp_path, ORG), tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    result = plan(org, out)
    assert result.exit_code == 2
    assert "notes.txt" in result.output and "new or empty directory" in result.output
    assert snapshot(out) == {"notes.txt": b"mine"}


# --- Ctrl-C ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _sigint_restored():
    """A command stopped by Ctrl-C leaves Ctrl-C ignored until its exit (outdir.ctrl_c): give
    the next test the handler this one started with."""
    handler = signal.getsignal(signal.SIGINT)
    yield
    signal.signal(signal.SIGINT, handler)


def _ctrl_c_after_first_plan(monkeypatch, presses: int) -> None:
    """Press Ctrl-C `presses` times as soon as the solve reports its first plan."""
    real = plan_module.plan_or_explain

    def pressing(problem, options):
        pressed = []

        def progress(_report):
            if not pressed:
                pressed.append(True)
                for _ in range(presses):
                    os.kill(os.getpid(), signal.SIGINT)

        return real(problem, options.__class__(**{**vars(options), "progress": progress}))

    monkeypatch.setattr(plan_module, "plan_or_explain", pressing)


def test_ctrl_c_stops_the_solve_and_writes_the_best_plan_that_passes_the_rules(
    tmp_path, monkeypatch
):
    org_path, out = write(tmp_path, ORG), tmp_path / "out"
    _ctrl_c_after_first_plan(monkeypatch, presses=1)
    result = plan(org_path, out, "--json", weeks=6)
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.stderr
    payload = json.loads(result.stdout)
    assert payload["interrupted"] is True and payload["status"] in ("OPTIMAL", "FEASIBLE")
    assert payload["time_limit_reached"] is False  # a Ctrl-C, not the cap, stopped it
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # a late press cannot kill the exit
    problem = make_problem(load_org(org_path), date(2027, 1, 4), 6)
    rows = read_csv(out / "plan.csv")
    assert len(rows) == 12 and (out / "fairness.csv").exists()
    assert rules.check(problem, _plan_of(problem, rows)) == []


def test_a_second_ctrl_c_aborts_and_writes_nothing(tmp_path, monkeypatch):
    org_path, out = write(tmp_path, ORG), tmp_path / "out"
    assert plan(org_path, out).exit_code == 0
    before = snapshot(out)
    _ctrl_c_after_first_plan(monkeypatch, presses=2)
    result = plan(org_path, out, weeks=6)
    assert result.exit_code == 130
    assert "aborted: nothing was written" in result.stderr
    assert snapshot(out) == before


def _solving(tmp_path, out: Path) -> tuple[subprocess.Popen, int]:
    """Start `rota plan data/acme.yaml` in a process whose stderr is a terminal; return it and
    the terminal's reading end once the first progress line shows: the solve is under way
    (before it, a Ctrl-C is click's), however fast or loaded the machine."""
    reading, writing = pty.openpty()
    command = [sys.executable, "-c", "from scheduler.cli import main; main()"]
    args = ["plan", str(REPO / "data/acme.yaml"), "--start", "2027-01-04", "--out", str(out)]
    process = subprocess.Popen(
        command + args + ["--time-limit", "300"],
        stdout=subprocess.PIPE,
        stderr=writing,
        text=True,
        cwd=tmp_path,
    )
    os.close(writing)
    shown, deadline = b"", time.monotonic() + 60
    while b" s)" not in shown:  # a progress line ends with its seconds, "(2.3 s)"
        ready, _, _ = select.select([reading], [], [], max(0.0, deadline - time.monotonic()))
        assert ready, f"no progress within a minute: {shown!r}"
        shown += os.read(reading, 4096)
    return process, reading


def _finished(process: subprocess.Popen, reading: int) -> tuple[str, str]:
    """Wait for the process; return its stdout and all it wrote on the terminal after that."""
    stdout, _ = process.communicate(timeout=60)
    shown = b""
    while True:
        try:
            chunk = os.read(reading, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        shown += chunk
    os.close(reading)
    return stdout, shown.decode(errors="replace")


def test_ctrl_c_stops_a_long_solve_promptly(tmp_path):
    """A real SIGINT to a real process, in the middle of a solve."""
    out = tmp_path / "out"
    process, reading = _solving(tmp_path, out)
    pressed = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = _finished(process, reading)
    assert time.monotonic() - pressed < 20
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr
    if "before a plan of every rotation was found" in stderr:  # nothing to write yet
        assert not out.exists()
    else:
        assert "best plan found before Ctrl-C" in stderr
        assert (out / "plan.csv").exists() and (out / "fairness.csv").exists()


def test_a_second_ctrl_c_during_a_search_exits_130_without_a_crash(tmp_path):
    """Two real SIGINTs a moment apart, while CP-SAT searches in its thread: the process
    waits for the stopped search before it exits (else the C++ runtime aborts it)."""
    out = tmp_path / "out"
    process, reading = _solving(tmp_path, out)
    process.send_signal(signal.SIGINT)
    time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    _, stderr = _finished(process, reading)
    assert process.returncode == 130, stderr
    assert "terminate called" not in stderr and "Traceback" not in stderr
    assert not out.exists()


# --- time-out is not infeasibility -------------------------------------------------------------


def test_no_plan_in_time_exits_3_with_the_best_bound_and_says_it_is_no_proof(tmp_path, monkeypatch):
    said = ("no plan was found within 5 s; allow a longer solve (--time-limit)",)
    monkeypatch.setattr(
        plan_module,
        "plan_or_explain",
        lambda problem, options: Outcome(None, None, said, proven=False, bound=1.25),
    )
    out = tmp_path / "out"
    result = plan(write(tmp_path, ORG), out, "--json")
    assert result.exit_code == 3
    payload = json.loads(result.stdout)
    assert payload["status"] == "UNKNOWN" and payload["lower_bound"] == 1.25
    assert payload["time_limit_reached"] is True and payload["max_load_ratio"] is None
    assert "not a proof that no plan exists" in result.stderr and "1.2500" in result.stderr
    assert "No plan satisfies" not in result.output
    assert not out.exists()


def test_rotations_needing_more_people_at_once_than_they_have_are_explained(tmp_path):
    people = "\n".join(f"  - {{id: p{i}, name: P{i}}}" for i in range(4))
    teams = "\n".join(
        f"  - id: t{j}\n    name: T{j}\n    members: [p0, p1, p2, p3]\n"
        "    rotation: {shift: weekly, handoff: mon 10:00, roles: [primary, secondary], "
        "min_roster: 2, min_rest: 0h}"
        for j in range(5)
    )
    text = f"org: Five\ntimezone: UTC\nholidays: []\npeople:\n{people}\nteams:\n{teams}\n"
    started = time.monotonic()
    result = plan(write(tmp_path, text), tmp_path / "out", "--json", weeks=2)
    assert result.exit_code == 1
    explanation = json.loads(result.stdout)["explanation"]
    assert any(
        "5 shifts run at once and need 10 people on call, but only 4 can take them" in s
        for s in explanation
    ), explanation
    assert "time-limit" not in result.output
    assert time.monotonic() - started < 10  # counted, not searched


def test_a_large_team_plans_and_never_claims_no_plan_exists(tmp_path):
    members = [f"p{i}" for i in range(600)]
    people = "\n".join(f"  - {{id: {p}, name: {p.upper()}}}" for p in members)
    text = (
        f"org: Many\ntimezone: UTC\nholidays: []\npeople:\n{people}\nteams:\n"
        f"  - id: all\n    name: All\n    members: [{', '.join(members)}]\n"
        "    rotation: {shift: weekly, handoff: mon 10:00, roles: [primary, secondary], "
        "min_roster: 2, min_rest: 7d}\n"
    )
    result = plan(write(tmp_path, text), tmp_path / "out", "--json", weeks=4)
    assert result.exit_code in (0, 3), result.output
    assert "No plan satisfies" not in result.output
    if result.exit_code == 0:
        assert len(read_csv(tmp_path / "out" / "plan.csv")) == 8


# --- the dates and options a user trial tripped on ------------------------------------------------


def test_a_horizon_past_the_last_supported_day_is_bad_input(tmp_path):
    result = plan(write(tmp_path, ORG), tmp_path / "out", start="2200-12-01", weeks=104)
    assert result.exit_code == 2
    assert "past the last supported day 2200-12-31" in result.output
    assert not (tmp_path / "out").exists()
    db = rota("plan", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "--start", "2200-12-20")
    assert db.exit_code == 2 and "2200-12-31" in db.output


def test_now_without_previous_is_said_to_set_only_the_feed_clock(tmp_path):
    out = tmp_path / "out"
    result = plan(write(tmp_path, ORG), out, "--now", "2026-12-01T09:00+00:00")
    assert result.exit_code == 0
    assert "--now without --previous only sets the clock" in result.stderr
    feed = next((out / "feeds").glob("ann*.ics")).read_text()
    assert "LAST-MODIFIED:20261201T090000Z" in feed


def _plan_of(problem, rows) -> Plan:
    by_key = {(s.team, s.start): s for s in problem.shifts}
    assignments = [
        Assignment(
            shift=by_key[(r["team"], datetime.fromisoformat(r["start"]))],
            role=r["role"],
            person=r["person"],
        )
        for r in rows
    ]
    return Plan(tuple(sorted(assignments)), status="FEASIBLE")


# --- where the output goes ---------------------------------------------------------------------


def test_an_out_where_nothing_can_be_written_is_bad_input_before_the_solve(tmp_path):
    org_path, blocker = write(tmp_path, ORG), write(tmp_path, "not a folder", "blocker")
    result = plan(org_path, blocker / "out")
    assert result.exit_code == 2, result.output
    assert "cannot write there" in result.stderr and str(blocker / "out") in result.stderr
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocker", "org.yaml"]


def test_the_run_directory_keeps_its_permissions(tmp_path):
    org_path, out = write(tmp_path, ORG), tmp_path / "out"
    out.mkdir(mode=0o755)
    out.chmod(0o755)
    assert plan(org_path, out).exit_code == 0
    assert out.stat().st_mode & 0o777 == 0o755  # a web server can still serve feeds/
    fresh = tmp_path / "fresh"
    mask = os.umask(0o022)
    try:
        assert plan(org_path, fresh).exit_code == 0
    finally:
        os.umask(mask)
    assert fresh.stat().st_mode & 0o777 == 0o755  # as mkdir would make it, not mkdtemp's 0700


def _command(tmp_path, out) -> list[str]:
    org_path = write(tmp_path, ORG)
    args = ["plan", str(org_path), "--start", "2027-01-04", "--weeks", "3", "--out", str(out)]
    return [sys.executable, "-c", "from scheduler.cli import main; main()", *args]


def test_a_reader_that_stops_reading_ends_the_output_quietly(tmp_path):
    process = subprocess.Popen(
        _command(tmp_path, tmp_path / "out"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    process.stdout.close()  # like `| head -0`: nobody reads the summary
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141, stderr
    assert "Traceback" not in stderr and "Exception ignored" not in stderr
    assert (tmp_path / "out" / "plan.csv").exists()  # the run was written before the summary


def test_a_full_disk_under_the_output_is_one_line_not_a_traceback(tmp_path):
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            _command(tmp_path, tmp_path / "out"),
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )
    assert done.returncode == 74, done.stderr
    assert "No space left on device" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("url", ["mysql://someone@db/rota", "oracle://db"])
def test_a_database_whose_driver_is_not_installed_is_bad_input(url):
    result = rota("health", "--db", url)
    assert result.exit_code == 2, result.output
    assert "driver" in result.output and "SQLite and PostgreSQL" in result.output
    assert "Traceback" not in result.output


def test_the_summary_of_an_interrupted_plan_says_it_was_interrupted(tmp_path, monkeypatch):
    org_path, out = write(tmp_path, ORG), tmp_path / "out"
    _ctrl_c_after_first_plan(monkeypatch, presses=1)
    result = plan(org_path, out, weeks=6)
    assert result.exit_code == 130, result.output
    assert "spent its budget" not in result.stdout
    if "proven, spread proven" not in result.stdout:  # else nothing was left to stop
        assert "the search was interrupted" in result.stdout


def test_a_stored_draft_of_an_interrupted_plan_says_it_was_interrupted(tmp_path, capsys):
    from dataclasses import replace
    from types import SimpleNamespace

    from scheduler.cli.db import echo_drafted
    from scheduler.solve import Interrupt, SolveOptions, plan_or_explain

    problem = make_problem(load_org(write(tmp_path, ORG)), date(2027, 1, 4), 3)
    outcome = plan_or_explain(problem, SolveOptions(time_limit=30, effort=0.01))
    # As a Ctrl-C leaves it: the spread not proven yet.
    outcome = replace(outcome, plan=replace(outcome.plan, spread_proven=False))
    interrupt = Interrupt()
    interrupt.request()
    drafted = SimpleNamespace(outcome=outcome, plan_id=1, version=1, problem=problem)
    options = SolveOptions(interrupt=interrupt)
    echo_drafted(drafted, "org", (date(2027, 1, 4), 3), options, 1.0, as_json=False)
    out = capsys.readouterr().out
    assert "the search was interrupted" in out and "spent its budget" not in out
