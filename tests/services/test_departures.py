"""People who leave the org: access ends, shifts ahead are uncovered, a re-plan deals them out."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from sqlalchemy import select
from support.builders import FAST, team_org, without
from support.world import API, START, Scenario

from scheduler import store
from scheduler.domain.model import Org
from scheduler.services import accounts, departures, planning, signin
from scheduler.services.importer import import_org

NOW = API.now  # the Tuesday of the first of three weeks: week 0 has started


@pytest.fixture
def scenario() -> Scenario:
    return API


def live_rows(sessions, plan_id: int) -> list[tuple]:
    with sessions() as session:
        rows = session.get(store.PlanRow, plan_id).assignments
        return sorted((a.start, a.role, a.person.key) for a in rows)


def reimport(sessions, org: Org, now=NOW):
    with sessions.begin() as session:
        return import_org(session, org, "test", now)


def test_a_person_who_left_loses_access_and_their_shifts_ahead_are_uncovered(sessions, world):
    rows = live_rows(sessions, world.plan_id)
    started = next(k for s, _, k in rows if s < NOW)
    ahead = next(k for s, _, k in rows if s >= NOW)
    their_shifts = [s for s, _, k in rows if k == ahead]
    result = reimport(sessions, without(team_org(), started, ahead))

    with sessions() as session:
        name = session.get(store.PersonRow, world.people[ahead]).name
        expected = (
            f"{len(their_shifts)} shift{'s' if len(their_shifts) > 1 else ''} of {name}, "
            f"who left the org, {'are' if len(their_shifts) > 1 else 'is'} uncovered: "
            f"re-plan from {START} ({API.weeks} weeks; started shifts stay)"
        )
        assert result.uncovered == [expected]  # the started shift is history, not uncovered
        found = departures.uncovered_shifts(session, world.org_id, NOW)
        assert [u.person_key for u in found] == [ahead]
        assert [a.start for a in found[0].assignments] == their_shifts
        for key in (started, ahead):
            user = accounts.user_by_name(session, key)
            assert not user.active
            assert signin.session_user(session, user.id, 0) is None  # sessions ended
            assert accounts.authenticate(session, key, "password123") is None
            assert accounts.lookup_token(session, "api", world.api[key]) is None
            assert accounts.lookup_token(session, "feed", world.person_feeds[key]) is None
        others = accounts.lookup_token(session, "feed", world.person_feeds["grace"])
        assert others is not None  # nobody else's feed stops
        assert any(f"disabled account {ahead}" in change for change in result.changes)
    assert live_rows(sessions, world.plan_id) == rows  # the live plan itself is unchanged


def test_the_re_plan_covers_the_shifts_and_keeps_the_started_ones(sessions, world):
    rows = live_rows(sessions, world.plan_id)
    started = [r for r in rows if r[0] < NOW]
    leavers = {started[0][2], next(k for s, _, k in rows if s >= NOW)}
    reimport(sessions, without(team_org(), *leavers))
    drafted = planning.plan_draft(sessions, world.org_id, START, API.weeks, FAST, "m", NOW)
    assert drafted.plan_id is not None, drafted.outcome.explanation
    new_rows = live_rows(sessions, drafted.plan_id)
    assert [r for r in new_rows if r[0] < NOW] == started  # a leaver's started shift stays
    assert not {k for s, _, k in new_rows if s >= NOW} & leavers
    assert len(new_rows) == len(rows)
    with sessions.begin() as session:
        planning.publish(session, drafted.plan_id, "m", NOW)
    with sessions() as session:
        assert departures.uncovered_shifts(session, world.org_id, NOW) == []


def test_a_person_back_in_the_file_rejoins_without_their_old_tokens(sessions, world):
    rows = live_rows(sessions, world.plan_id)
    ahead = next(k for s, _, k in rows if s >= NOW)
    reimport(sessions, without(team_org(), ahead))
    result = reimport(sessions, team_org(), NOW + timedelta(hours=1))
    with sessions() as session:
        person = session.get(store.PersonRow, world.people[ahead])
        assert person.active
        team = session.get(store.TeamRow, world.teams["checkout"])
        assert ahead in [m.person.key for m in team.memberships]
        assert accounts.lookup_token(session, "feed", world.person_feeds[ahead]) is None
        assert not accounts.user_by_name(session, ahead).active
        assert departures.uncovered_shifts(session, world.org_id, NOW) == []
    assert any(f"rota users enable {ahead}" in change for change in result.changes)
    with sessions.begin() as session:
        departures.enable_user(session, ahead, actor="admin", now=NOW)
    with sessions() as session:
        assert accounts.authenticate(session, ahead, "password123") is not None


def test_a_person_who_left_a_team_only_leaves_its_shifts_uncovered(sessions, world):
    rows = live_rows(sessions, world.plan_id)
    ahead = next(k for s, _, k in rows if s >= NOW)
    org = team_org()
    team = dataclasses.replace(
        org.teams[0], members=tuple(m for m in org.teams[0].members if m != ahead)
    )
    result = reimport(sessions, dataclasses.replace(org, teams=(team,)))
    assert len(result.uncovered) == 1 and "who left team Checkout" in result.uncovered[0]
    with sessions() as session:
        assert accounts.user_by_name(session, ahead).active  # still in the org
        users = session.scalars(select(store.UserRow).where(store.UserRow.active.is_(False)))
        assert users.all() == []


def test_a_draft_made_before_someone_left_is_not_published(sessions, world):
    drafted = planning.plan_draft(sessions, world.org_id, START, API.weeks, FAST, "m", NOW)
    rows = live_rows(sessions, drafted.plan_id)
    ahead = next(k for s, _, k in rows if s >= NOW)
    reimport(sessions, without(team_org(), ahead))
    with sessions() as session, pytest.raises(planning.StaleDraft) as refused:
        planning.publish(session, drafted.plan_id, "m", NOW)
    assert f"'{ahead}' is not a person of Acme Checkout" in str(refused.value)
    assert f"Re-plan {API.weeks} weeks from {START}" in str(refused.value)


def test_the_team_s_managers_are_told_once_of_a_leaver_s_shifts(sessions, world):
    rows = live_rows(sessions, world.plan_id)
    ahead = next(k for s, _, k in rows if s >= NOW)
    result = reimport(sessions, without(team_org(), ahead))
    reimport(sessions, without(team_org(), ahead))  # the same file again: nobody told anew
    with sessions() as session:
        told = session.scalars(
            select(store.NotificationRow).where(store.NotificationRow.kind == "shift.uncovered")
        ).all()
        manager = accounts.user_by_name(session, "manager")
        assert [(n.user_id, n.person_id) for n in told] == [(manager.id, None)]
        assert told[0].body == f"Checkout: {result.uncovered[0]}."
        assert told[0].link == "/plans/" and "left the org" in told[0].subject


def test_a_failed_import_tells_nobody(sessions, world):
    rows = live_rows(sessions, world.plan_id)
    ahead = next(k for s, _, k in rows if s >= NOW)
    with pytest.raises(RuntimeError), sessions.begin() as session:
        import_org(session, without(team_org(), ahead), "test", NOW)
        raise RuntimeError("the import's transaction fails after it")
    with sessions() as session:
        kinds = session.scalars(select(store.NotificationRow.kind)).all()
        assert "shift.uncovered" not in kinds


def test_hours_covered_by_someone_who_left_are_uncovered(sessions, world):
    # An accepted cover moves part of a shift to the cover: when the cover leaves, those hours
    # have nobody, though the shift's holder stays.
    from support.override_fixtures import covers

    from scheduler.services import overrides

    with sessions() as session:
        plan = session.get(store.PlanRow, world.plan_id)
        row = min((a for a in plan.assignments if a.start >= NOW), key=lambda a: a.start)
        start = row.start + timedelta(days=1)
        end = start + timedelta(hours=6)
        cover = covers(session, row, start, end)[0]
        asked = overrides.request_cover(session, row.id, row.person_id, cover, start, end, NOW)
        overrides.accept(session, asked.id, cover, NOW)
        session.commit()
        cover_key, row_id = session.get(store.PersonRow, cover).key, row.id
    reimport(sessions, without(team_org(), cover_key))
    with sessions() as session:
        found = departures.uncovered_shifts(session, world.org_id, NOW)
        theirs = [u for u in found if u.person_key == cover_key]
        assert theirs and row_id in [a.id for a in theirs[0].assignments]
    # The re-plan deals those hours out again: the departed cover's override is not carried.
    drafted = planning.plan_draft(sessions, world.org_id, START, API.weeks, FAST, "m", NOW)
    assert drafted.plan_id is not None, drafted.outcome.explanation
    with sessions.begin() as session:
        planning.publish(session, drafted.plan_id, "m", NOW)
    with sessions() as session:
        assert departures.uncovered_shifts(session, world.org_id, NOW) == []
        live = session.get(store.PlanRow, drafted.plan_id).assignments
        assert cover_key not in {o.cover.key for a in live for o in a.overrides}
