"""Rotation health: roster, gaps, runway, on-call share, fairness, trainees and pending swaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select
from support.world import HEALTHY, START, SWAPS, Scenario, imported, shifts

from scheduler.domain.health import MAX_ON_CALL_SHARE, covered_until, merged_hours
from scheduler.domain.shifts import local_midnight
from scheduler.services import planning, swaps
from scheduler.services.health import health
from scheduler.store import AssignmentRow, TeamRow

WEEK2 = datetime(2027, 1, 12, 12, tzinfo=UTC)  # Tuesday of the second of four weeks


@pytest.fixture
def scenario() -> Scenario:
    return SWAPS


def team_of(sessions, now, key="ops"):
    with sessions() as session:
        (org,) = health(session, now)
    return org, next(t for t in org.teams if t.team == key)


def test_the_figures_of_a_running_plan(sessions, world):
    org, ops = team_of(sessions, WEEK2)
    assert org.plan_id == world.plan_id
    assert ops.trained == 7 and ops.min_roster == 4  # Tia is a trainee
    assert ops.gaps == ()
    plan_end = datetime(2027, 2, 1, 9, tzinfo=UTC)  # the last weekly shift ends at its handoff
    assert ops.covered_until == plan_end
    assert ops.days_left == pytest.approx((plan_end - WEEK2).total_seconds() / 86400)
    assert ops.swaps_pending == 0
    (tia,) = ops.trainees
    assert (tia.person, tia.shadows_done, tia.shadows, tia.next_step) == ("tia", 1, 1, "secondary")
    assert tia.next_shift is not None and tia.next_shift > WEEK2


def test_fairness_is_the_published_plans_own(sessions, world):
    org, ops = team_of(sessions, WEEK2)
    with sessions() as session:
        report = planning.fairness_of(session, world.plan_id)
    assert org.max_load_ratio == report.max_load_ratio
    assert org.gini == report.gini
    members = set(world.people) - {"olga", "pia", "quinn"}
    assert ops.max_load_ratio == max(r.ratio for r in report.people if r.person in members)


def test_on_call_share_is_primary_and_secondary_time_over_the_horizon(sessions, world):
    _, ops = team_of(sessions, WEEK2)
    start = local_midnight(START, "UTC")
    end = start + timedelta(weeks=SWAPS.weeks)
    with sessions() as session:
        rows = [r for r in shifts(session, world) if r.role in ("primary", "secondary")]
        expected = {key: 0.0 for key in ops.on_call_share}
        for r in rows:
            key = world.key_of(r.person_id)
            if key in expected:
                overlap = min(r.end, end) - max(r.start, start)
                expected[key] += overlap / (end - start)
    assert ops.on_call_share == pytest.approx(expected)
    over = [p for p, share in expected.items() if share > MAX_ON_CALL_SHARE]
    assert ops.healthy is (not over)
    if over:
        assert any("more than 25%" in p for p in ops.problems())


def test_a_shift_without_a_primary_is_a_gap(sessions, world):
    with sessions.begin() as session:
        row = next(r for r in shifts(session, world, "db", "primary") if r.start > WEEK2)
        gap = row.start
        session.execute(delete(AssignmentRow).where(AssignmentRow.id == row.id))
    _, db = team_of(sessions, WEEK2, "db")
    assert db.gaps == (gap,)
    assert f"DB: 1 shift without a primary from {gap:%Y-%m-%d %H:%M} UTC" in db.problems()


def test_a_roster_below_its_minimum_is_unhealthy(sessions, world):
    with sessions.begin() as session:
        team = session.scalar(select(TeamRow).where(TeamRow.key == "ops"))
        team.rotation = {**team.rotation, "min_roster": 8}
    _, ops = team_of(sessions, WEEK2)
    assert "Ops: 7 trained members, the rotation needs 8" in ops.problems()


def test_a_plan_running_out_within_two_weeks_is_unhealthy(sessions, world):
    now = datetime(2027, 1, 25, 12, tzinfo=UTC)
    _, db = team_of(sessions, now, "db")
    assert db.days_left == pytest.approx(6.875)
    assert any("runs out in 6.9 days (on 2027-02-01)" in p for p in db.problems())


def test_before_the_plan_starts_nobody_is_on_call(sessions, world):
    org, db = team_of(sessions, SWAPS.now, "db")
    assert db.covered_until is None and db.days_left == 0
    assert db.problems() == [
        "DB: nobody is on call now (the published plan starts 2027-01-04 09:00 UTC)"
    ]
    assert org.plan_id == world.plan_id  # measured on the plan about to start


def test_pending_swaps_are_counted_per_team(sessions, world):
    with sessions.begin() as session:
        row = next(r for r in shifts(session, world, "db", "primary") if r.start > WEEK2)
        swaps.offer(session, row.id, row.person_id, None, WEEK2)
    _, db = team_of(sessions, WEEK2, "db")
    _, ops = team_of(sessions, WEEK2)
    assert (db.swaps_pending, ops.swaps_pending) == (1, 0)


def test_an_org_with_no_published_plan_is_measured_without_failing(sessions, world):
    imported(sessions)  # data/team.yaml: imported, never planned
    with sessions() as session:
        empty = next(o for o in health(session, WEEK2) if o.org == "Acme Checkout")
    assert (empty.plan_id, empty.max_load_ratio, empty.gini) == (None, None, None)
    (checkout,) = empty.teams
    assert checkout.gaps == () and checkout.max_load_ratio is None
    assert checkout.problems() == ["Checkout: nobody is on call now (no published shift ahead)"]
    assert not empty.healthy


def test_an_unknown_org_name_is_a_lookup_error(sessions, world):
    with sessions() as session, pytest.raises(LookupError, match="no org named 'Nope'"):
        health(session, WEEK2, "Nope")


@pytest.mark.parametrize("scenario", [HEALTHY])
def test_a_fair_plan_with_weeks_ahead_is_healthy(sessions, world, scenario):
    org, ops = team_of(sessions, HEALTHY.now)
    assert ops.problems() == []
    assert org.healthy and ops.max_on_call_share <= MAX_ON_CALL_SHARE


def test_merged_hours_and_covered_until_on_plain_intervals():
    t = datetime(2027, 1, 1, tzinfo=UTC)
    h = timedelta(hours=1)
    spans = [(t, t + 3 * h), (t + 2 * h, t + 5 * h), (t + 8 * h, t + 9 * h)]
    assert merged_hours(spans, t + h, t + 10 * h) == 5  # 1-5 and 8-9
    assert covered_until(spans, t + h) == t + 5 * h  # the hole at 5-8 ends it
    assert covered_until(spans, t + 6 * h) is None
    assert covered_until(spans, t + 8 * h) == t + 9 * h
