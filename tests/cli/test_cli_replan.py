"""Re-planning with --previous: the change count comes right after the max load ratio, within
--tolerance, and the summary and --json list every changed assignment (docs/cli.md)."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

from click.testing import CliRunner
from support.builders import TEAM_TEXT

from scheduler.cli import main

NOW = "2027-01-18T00:00+00:00"
LEAVE = "  - {person: grace, start: 2027-02-08, end: 2027-02-19}\n"


def run(org: Path, out: Path, *extra: str):
    """Run `rota plan` on a six-week horizon of the quickstart team."""
    args = ["plan", str(org), "--start", "2027-01-04", "--weeks", "6", "--out", str(out)]
    return CliRunner().invoke(main, [*args, *extra])


def rows(path: Path) -> set[tuple[str, ...]]:
    """Return plan.csv's rows as tuples."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {tuple(r.values()) for r in csv.DictReader(handle)}


def test_new_leave_changes_few_assignments_and_lists_each(tmp_path: Path) -> None:
    org = tmp_path / "team.yaml"
    org.write_text(TEAM_TEXT, encoding="utf-8")
    assert run(org, tmp_path / "a").exit_code == 0
    # One day of new leave for someone on call in the fourth week.
    with (tmp_path / "a" / "plan.csv").open(newline="", encoding="utf-8") as handle:
        week4 = next(r for r in csv.DictReader(handle) if r["start"].startswith("2027-01-25"))
    day = f"  - {{person: {week4['person']}, start: 2027-01-27, end: 2027-01-27}}\n"
    assert LEAVE in TEAM_TEXT
    org.write_text(TEAM_TEXT.replace(LEAVE, LEAVE + day), encoding="utf-8")
    previous = str(tmp_path / "a" / "plan.csv")
    result = run(org, tmp_path / "b", "--previous", previous, "--now", NOW, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    moved = rows(tmp_path / "a" / "plan.csv") ^ rows(tmp_path / "b" / "plan.csv")
    assert 1 <= len(payload["changes"]) <= 4  # the person on leave, and a repair or two
    assert len(payload["changes"]) == len(moved) // 2
    assert any(f"{week4['person']} ->" in line for line in payload["changes"])
    assert all(line.startswith("week of 2027-0") for line in payload["changes"])

    summary = run(org, tmp_path / "c", "--previous", previous, "--now", NOW)
    assert f"{len(payload['changes'])} assignment" in summary.stdout
    for line in payload["changes"]:
        assert line in summary.stdout


def test_an_unchanged_org_replans_without_changes(tmp_path: Path) -> None:
    org = tmp_path / "team.yaml"
    org.write_text(TEAM_TEXT, encoding="utf-8")
    assert run(org, tmp_path / "a").exit_code == 0
    previous = str(tmp_path / "a" / "plan.csv")
    result = run(org, tmp_path / "b", "--previous", previous, "--now", NOW, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["changes"] == []
    assert rows(tmp_path / "a" / "plan.csv") == rows(tmp_path / "b" / "plan.csv")


def test_a_previous_plan_that_no_longer_matches_the_org_is_reported_and_re_planned(
    tmp_path: Path,
) -> None:
    org = tmp_path / "team.yaml"
    org.write_text(TEAM_TEXT, encoding="utf-8")
    assert run(org, tmp_path / "a").exit_code == 0
    previous = tmp_path / "a" / "plan.csv"
    gone = next(r[4] for r in sorted(rows(previous)) if r[2].startswith("2027-01-25"))
    held = [r for r in rows(previous) if r[4] == gone]
    with previous.open("a", encoding="utf-8") as handle:  # a team the org no longer has
        handle.write("billing,primary,2027-02-01T10:00:00-05:00,2027-02-08T10:00:00-05:00,ada\n")
    # The person leaves the org: their line, their membership, their leave and history go.
    lines = [
        line
        for line in TEAM_TEXT.splitlines()
        if f"{{id: {gone}," not in line and f"person: {gone}," not in line
    ]
    text = "\n".join(lines).replace(f", {gone}]", "]").replace(f"[{gone}, ", "[") + "\n"
    text = text.replace(f" {gone},", "")
    assert gone not in text.split("teams:")[1]
    org.write_text(text, encoding="utf-8")
    result = run(org, tmp_path / "b", "--previous", str(previous), "--now", NOW, "--json")
    assert result.exit_code == 0, result.output
    people_line = f"{len(held)} assignment{'s' if len(held) > 1 else ''} of people no longer"
    assert f"{people_line} in the org {'are' if len(held) > 1 else 'is'} dropped" in result.stderr
    assert "1 assignment of teams no longer in the org is dropped" in result.stderr
    # The re-plan proceeds from what still applies: the shifts ahead that the person held go
    # to others ("nobody -> ..."), and nobody else's week moves for it beyond a repair or two.
    payload = json.loads(result.stdout)
    after = rows(tmp_path / "b" / "plan.csv")
    assert all(gone not in r for r in after)
    ahead = [r for r in held if datetime.fromisoformat(r[2]) >= datetime.fromisoformat(NOW)]
    assert ahead and sum("nobody ->" in line for line in payload["changes"]) == len(ahead)
    assert len(payload["changes"]) <= len(ahead) + 4


KEN = "timezone: America/Los_Angeles}"
TRAINEE = "timezone: America/Los_Angeles, trainee: {shadows: 1}}"
SHADOWED = (
    "  - {team: checkout, role: shadow, person: ken, "
    'start: "2026-12-14T10:00-05:00", end: "2026-12-21T10:00-05:00"}\n'
)


def test_the_summary_says_who_completes_training_and_history_counts(tmp_path: Path) -> None:
    org = tmp_path / "team.yaml"
    org.write_text(TEAM_TEXT.replace(KEN, TRAINEE), encoding="utf-8")
    fresh = run(org, tmp_path / "a", "--json")
    assert fresh.exit_code == 0, fresh.output
    [line] = json.loads(fresh.stdout)["training"]
    assert line.startswith("Ken Thompson completes training on 2027-")
    assert any(r[1] == "shadow" and r[4] == "ken" for r in rows(tmp_path / "a" / "plan.csv"))
    summary = run(org, tmp_path / "b")
    assert f"training:\n  {line}" in summary.stdout
    # A shadow shift in the history: still `trainee` in the file, but trained already.
    org.write_text(TEAM_TEXT.replace(KEN, TRAINEE) + SHADOWED, encoding="utf-8")
    trained = run(org, tmp_path / "c", "--json")
    assert trained.exit_code == 0, trained.output
    assert json.loads(trained.stdout)["training"] == []
    assert not any(r[1] == "shadow" for r in rows(tmp_path / "c" / "plan.csv"))
