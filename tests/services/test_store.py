"""The store: migrations, and the round trip of an org file through the database."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import inspect, select
from support.builders import DATA, TEAM_FILE

from scheduler import store
from scheduler.domain.orgfile import load_org


def test_migrations_create_every_table_and_run_twice(engine):
    store.migrate(engine)  # a second run changes nothing
    tables = set(inspect(engine).get_table_names())
    assert {"orgs", "people", "teams", "plans", "assignments", "swaps", "tokens"} <= tables


def test_datetimes_come_back_aware_and_in_utc(sessions):
    with sessions.begin() as session:
        session.add(
            store.AuditRow(
                at=datetime(2027, 1, 4, 10, tzinfo=UTC), actor="t", action="a", entity="e"
            )
        )
    with sessions() as session:
        row = session.scalars(select(store.AuditRow)).one()
        assert row.at == datetime(2027, 1, 4, 10, tzinfo=UTC)
        assert row.at.tzinfo is not None


def test_rotation_round_trips_through_json():
    org = load_org(DATA / "acme.yaml")
    for team in org.teams:
        assert store.rotation_from_json(store.rotation_to_json(team.rotation)) == team.rotation


def test_org_settings_keep_weights_and_holidays():
    org = load_org(TEAM_FILE)
    settings = store.org_settings(org)
    assert settings["weights"] == {"weekday": 2, "weekend": 3, "holiday": 4}
    assert [date.fromisoformat(d) for d in settings["extra_holidays"]] == list(org.extra_holidays)
