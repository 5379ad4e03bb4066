"""`rota health`: the table, --json, and the exit codes cron and CI rely on."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from support.database import cli_url
from support.world import HEALTHY, SWAPS, Scenario

from scheduler.cli import main


@pytest.fixture
def scenario() -> Scenario:
    return HEALTHY


@pytest.fixture
def rota(engine, db_url, monkeypatch):
    """Run `rota` on the test database, through ROTA_DATABASE_URL as a user would."""
    monkeypatch.setenv("ROTA_DATABASE_URL", cli_url(db_url))

    def run(*args: str):
        result = CliRunner().invoke(main, list(args))
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(
            result.exception
        )
        return result

    return run


def test_a_healthy_org_exits_0_with_a_table(rota, world):
    result = rota("health", "--now", "2027-01-05T12:00+00:00")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Healthy Org: healthy; published plan #")
    assert lines[1].split() == [
        "team", "roster", "gaps", "days", "left", "max", "share", "max", "ratio", "Gini", "swaps"
    ]  # fmt: skip
    assert lines[2].split()[:3] == ["ops", "4/1", "0"]
    assert "!" not in result.stdout


def test_a_plan_running_out_exits_1_and_says_why(rota, world):
    result = rota("health", "--now", "2027-02-20T12:00+00:00")
    assert result.exit_code == 1
    assert "Healthy Org: UNHEALTHY" in result.stdout
    assert "! Ops: the published plan runs out in 8.9 days (on 2027-03-01)" in result.stdout


def test_json_carries_every_figure(rota, world):
    result = rota("health", "--json", "--now", "2027-01-05T12:00+00:00")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["healthy"] is True and body["now"] == "2027-01-05T12:00:00+00:00"
    (org,) = body["orgs"]
    (team,) = org["teams"]
    assert team["problems"] == [] and team["coverage_gaps"] == []
    assert team["trained"] == 4 and team["min_roster"] == 1
    assert set(team["on_call_share"]) == {"p0", "p1", "p2", "p3"}
    assert team["max_on_call_share"] == max(team["on_call_share"].values())
    assert org["max_load_ratio"] == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("scenario", [SWAPS])
def test_json_of_an_unhealthy_org_lists_the_problems_and_exits_1(rota, world, scenario):
    result = rota("health", "--json", "--org", "Swap Test Org", "--now", "2027-01-12T12:00Z")
    assert result.exit_code == 1
    body = json.loads(result.stdout)
    ops = next(t for t in body["orgs"][0]["teams"] if t["team"] == "ops")
    assert body["healthy"] is False and ops["healthy"] is False
    assert any("more than 25%" in p for p in ops["problems"])
    (tia,) = ops["trainees"]
    assert tia == {
        "person": "tia",
        "shadows": "1/1",
        "secondaries": "0/1",
        "next_step": "secondary",
        "next_shift": tia["next_shift"],
    }


def test_bad_input_exits_2_and_names_it(rota, world):
    unknown = rota("health", "--org", "Nope")
    assert unknown.exit_code == 2 and "no org named 'Nope'" in unknown.output
    naive = rota("health", "--now", "2027-01-05T12:00")
    assert naive.exit_code == 2 and "needs a UTC offset" in naive.output
    # Year 1 east of UTC is year 0 in UTC (an OverflowError before); 9999 is out of range too.
    for far in ("0001-01-01T00:00+05:00", "9999-12-31T23:59+00:00"):
        result = rota("health", "--now", far)
        assert result.exit_code == 2, result.output
        assert "outside the supported years 1900 to 2200" in result.output


def test_an_empty_database_exits_2(rota, engine):
    result = rota("health")
    assert result.exit_code == 2
    assert "no org imported yet" in result.output


def test_a_leaver_s_shifts_ahead_make_the_rotation_unhealthy(rota, world, sessions):
    from sqlalchemy import select
    from support.builders import build_small_team_org, without

    from scheduler.services.importer import import_org
    from scheduler.store import AssignmentRow

    now = HEALTHY.now
    with sessions() as session:
        ahead = session.scalars(
            select(AssignmentRow).where(AssignmentRow.start >= now).order_by(AssignmentRow.start)
        ).first()
        leaver, name = ahead.person.key, ahead.person.name
        count = sum(
            1 for a in ahead.plan.assignments if a.person_id == ahead.person_id and a.start >= now
        )
    with sessions.begin() as session:
        import_org(session, without(build_small_team_org(4, name="Healthy Org"), leaver), "t", now)
    result = rota("health", "--json", "--now", now.isoformat())
    assert result.exit_code == 1
    (team,) = json.loads(result.stdout)["orgs"][0]["teams"]
    assert team["healthy"] is False and team["uncovered_shifts"] == count
    said = [p for p in team["problems"] if "who left the org" in p]
    shifts = "1 shift" if count == 1 else f"{count} shifts"
    assert said == [
        f"Ops: {shifts} of {name}, who left the org, {'is' if count == 1 else 'are'} uncovered: "
        "re-plan from 2027-01-04 (8 weeks; started shifts stay)"
    ]
    table = rota("health", "--now", now.isoformat()).stdout
    assert said[0] in table
