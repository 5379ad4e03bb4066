"""Importing an org: one transaction, idempotent, keys keep their rows, web leave survives."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from support.builders import DATA, team_org
from support.database import counts
from support.world import SAMPLE, imported

from scheduler import store
from scheduler.domain.model import Leave, Person
from scheduler.domain.orgfile import load_org
from scheduler.services import importer
from scheduler.services.importer import ImportError_, import_org

NOW = SAMPLE.now


def people_by_key(session, org_id: int) -> dict[str, store.PersonRow]:
    rows = session.scalars(select(store.PersonRow).where(store.PersonRow.org_id == org_id))
    return {p.key: p for p in rows}


def test_the_org_file_turns_swap_approval_on_and_off(sessions):
    on = ("    services: [", "    swaps_need_approval: true\n    services: [")
    org_id = imported(sessions, team_org(on))
    with sessions() as session:
        assert session.scalars(select(store.TeamRow.swaps_need_approval)).all() == [True]
        assert store.org_from_rows(session, session.get(store.OrgRow, org_id)).teams == (
            team_org(on).teams
        )
    imported(sessions, team_org())
    with sessions() as session:
        assert session.scalars(select(store.TeamRow.swaps_need_approval)).all() == [False]


def test_the_org_file_turns_the_fairness_guard_off_and_on(sessions):
    imported(sessions, team_org())
    with sessions() as session:
        assert session.scalars(select(store.TeamRow.fairness_guard)).all() == [True]
    off = ("    services: [", "    fairness_guard: false\n    services: [")
    org_id = imported(sessions, team_org(off))
    with sessions() as session:
        assert session.scalars(select(store.TeamRow.fairness_guard)).all() == [False]
        back = store.org_from_rows(session, session.get(store.OrgRow, org_id))
        assert back.teams == team_org(off).teams


def test_import_round_trips_the_org(sessions):
    org = team_org()
    org_id = imported(sessions, org)
    with sessions() as session:
        back = store.org_from_rows(session, session.get(store.OrgRow, org_id))
    assert back.name == org.name and back.timezone == org.timezone
    assert back.people == org.people
    assert back.teams == org.teams
    assert set(back.leave) == set(org.leave)
    assert set(back.avoid) == set(org.avoid)
    assert set(back.history) == set(org.history)
    assert (back.weights, back.role_weights, back.holidays) == (
        org.weights,
        org.role_weights,
        org.holidays,
    )
    assert back.lookback_weeks == org.lookback_weeks


def test_reimport_of_the_same_file_changes_nothing(sessions):
    org_id = imported(sessions)
    before = counts(sessions)
    with sessions() as session:
        ids = {k: p.id for k, p in people_by_key(session, org_id).items()}
    with sessions.begin() as session:
        result = import_org(session, team_org(), "test", NOW)
    assert result.org_id == org_id
    assert result.changes == []
    assert counts(sessions) == before  # no audit rows either
    with sessions() as session:
        assert {k: p.id for k, p in people_by_key(session, org_id).items()} == ids


def test_first_import_is_audited(sessions):
    imported(sessions)
    with sessions() as session:
        actions = {row.action for row in session.scalars(select(store.AuditRow))}
        created = session.scalars(
            select(store.AuditRow).where(store.AuditRow.action == "person.create")
        ).all()
    assert {"org.create", "person.create", "team.create", "team.members"} <= actions
    assert {"leave.add", "avoid.add", "history.replace"} <= actions
    assert len(created) == 8
    assert all(row.before is None and row.after["name"] for row in created)


def test_a_changed_file_updates_people_teams_and_leave(sessions):
    org_id = imported(sessions)
    with sessions() as session:
        ids = {k: p.id for k, p in people_by_key(session, org_id).items()}
    # Leave entered on the web is the person's own business: an import must keep it.
    with sessions.begin() as session:
        session.add(
            store.TimeOffRow(
                person_id=ids["ada"],
                kind="leave",
                start=datetime(2027, 3, 1, tzinfo=UTC),
                end=datetime(2027, 3, 3, tzinfo=UTC),
                source="web",
            )
        )
    changed = team_org(
        ("name: Ada Lovelace", "name: Ada King"),
        # Ken leaves the org (and the team); Hedy joins.
        ("  - {id: ken, name: Ken Thompson, email: ken@checkout.example, "
         "timezone: America/Los_Angeles}\n",
         "  - {id: hedy, name: Hedy Lamarr}\n"),
        ("frances, grace, ken, radia]", "frances, grace, radia, hedy]"),
        ("{person: grace, start: 2027-02-08, end: 2027-02-19}",
         "{person: grace, start: 2027-02-15, end: 2027-02-26}"),
        ("  - {person: ken, start: 2027-02-14, end: 2027-02-14}\n", ""),
        ("person: ken, start: \"2026-12-21", "person: hedy, start: \"2026-12-21"),
    )  # fmt: skip
    with sessions.begin() as session:
        result = import_org(session, changed, "test", NOW)
    assert any("ada" in c and "name" in c for c in result.changes)
    assert any("deactivated person ken" in c for c in result.changes)
    assert any("added person hedy" in c for c in result.changes)

    with sessions() as session:
        people = people_by_key(session, org_id)
        assert people["ada"].id == ids["ada"] and people["ada"].name == "Ada King"
        assert people["ken"].id == ids["ken"] and not people["ken"].active
        assert people["hedy"].active
        org = store.org_from_rows(session, session.get(store.OrgRow, org_id))
        team = org.team("checkout")
        assert "ken" not in team.members and team.members[-1] == "hedy"
        assert "ken" not in org.people_by_id
        grace = [lv for lv in org.leave_of("grace")]
        assert [lv.start.date().isoformat() for lv in grace] == ["2027-02-15"]
        assert any(lv.start == datetime(2027, 3, 1, tzinfo=UTC) for lv in org.leave_of("ada"))
        assert org.avoid == ()
        assert any(h.person == "hedy" for h in org.history)
        rename = session.scalars(
            select(store.AuditRow).where(
                store.AuditRow.action == "person.update",
                store.AuditRow.entity_id == str(ids["ada"]),
            )
        ).one()
        assert rename.before == {"name": "Ada Lovelace"} and rename.after == {"name": "Ada King"}
        assert rename.actor == "test" and rename.at == NOW

    # And back again: Ken returns on the same row.
    with sessions.begin() as session:
        result = import_org(session, team_org(), "test", NOW)
    assert any("ken" in c and "active" in c for c in result.changes)
    with sessions() as session:
        people = people_by_key(session, org_id)
        assert people["ken"].active and people["ken"].id == ids["ken"]
        assert not people["hedy"].active


def test_a_removed_team_is_kept_inactive(sessions):
    extra_team = (
        "  - id: pay\n    name: Pay\n    members: [ada, barbara]\n"
        "    rotation: {shift: weekly, handoff: mon 09:00, roles: [primary]}\n"
    )
    org = team_org(("\nleave:", extra_team + "\nleave:"))
    org_id = imported(sessions, org)
    with sessions.begin() as session:
        result = import_org(session, team_org(), "test", NOW)
    assert "deactivated team pay (no longer in the org file)" in result.changes
    with sessions() as session:
        teams = session.scalars(select(store.TeamRow).where(store.TeamRow.org_id == org_id)).all()
        assert {t.key: t.active for t in teams} == {"checkout": True, "pay": False}


def test_an_org_whose_second_team_names_an_unknown_person_imports_nothing(sessions):
    org = team_org()
    bad_team = dataclasses.replace(org.teams[0], id="pay", members=("ada", "zed"))
    broken = dataclasses.replace(org, teams=(org.teams[0], bad_team))
    with pytest.raises(ImportError_, match="zed"), sessions.begin() as session:
        import_org(session, broken, "test", NOW)
    assert set(counts(sessions).values()) == {0}


def test_a_failure_half_way_through_changes_nothing(sessions, monkeypatch):
    org_id = imported(sessions)
    before = counts(sessions)

    def fail(*_args):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(importer._Importer, "history", fail)
    renamed = team_org(("name: Ada Lovelace", "name: Ada King"))
    with pytest.raises(RuntimeError), sessions.begin() as session:
        import_org(session, renamed, "test", NOW)
    assert counts(sessions) == before
    with sessions() as session:
        assert people_by_key(session, org_id)["ada"].name == "Ada Lovelace"


@pytest.mark.parametrize(
    "broken",
    [
        lambda org: dataclasses.replace(org, people=(*org.people, org.people[0])),
        lambda org: dataclasses.replace(org, leave=(Leave("zed", NOW, NOW.replace(day=2)),)),
        lambda org: dataclasses.replace(org, name="  "),
    ],
    ids=["repeated person", "leave of a stranger", "no name"],
)
def test_inconsistent_orgs_are_refused(sessions, broken):
    with pytest.raises(ImportError_), sessions.begin() as session:
        import_org(session, broken(team_org()), "test", NOW)
    assert set(counts(sessions).values()) == {0}


def test_person_fields_cover_every_column_the_file_sets():
    person = Person("ann", "Ann", "UTC", email="a@x", site="amer", fte=0.5)
    assert importer.person_fields(person)["fte"] == 0.5
    assert set(importer.person_fields(person)) <= set(store.PersonRow.__table__.columns.keys())


def test_the_sample_org_round_trips_and_reimports_as_a_no_op(sessions):
    org = load_org(DATA / "acme.yaml")
    org_id = imported(sessions, org)
    with sessions() as session:
        back = store.org_from_rows(session, session.get(store.OrgRow, org_id))
    assert (back.people, back.teams) == (org.people, org.teams)
    assert (back.extra_holidays, back.holidays) == (org.extra_holidays, org.holidays)
    assert sorted(back.history) == sorted(org.history)
    assert set(back.leave) == set(org.leave) and set(back.avoid) == set(org.avoid)
    with sessions.begin() as session:
        assert import_org(session, org, "test", NOW).changes == []
