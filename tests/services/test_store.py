"""The store: migrations, and the round trip of an org file through the database."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from support.builders import DATA, TEAM_FILE

from scheduler import store
from scheduler.domain.orgfile import load_org


def test_migrations_create_every_table_and_run_twice(engine):
    store.migrate(engine)  # a second run changes nothing
    tables = set(inspect(engine).get_table_names())
    assert {"orgs", "people", "teams", "plans", "assignments", "swaps", "tokens"} <= tables


def test_upgrading_keeps_users_signed_up_and_plans_audited(engine):
    """From 0001: users get generation 0 and stay active; a plan's audit entries name its org."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(store.__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO orgs (id, name, timezone, settings) VALUES (7, 'O', 'UTC', '{}')")
        )
        connection.execute(
            text(
                "INSERT INTO plans (id, org_id, start, weeks, version, state, solver_status, "
                "solve_seconds, created_at, created_by) VALUES (9, 7, '2027-01-04', 1, 1, "
                "'draft', 'OPTIMAL', 0, :at, 't')"
            ),
            {"at": datetime(2027, 1, 1, tzinfo=UTC)},
        )
        connection.execute(
            text(
                "INSERT INTO audit_log (at, actor, action, entity, entity_id) "
                "VALUES (:at, 't', 'plan.generate', 'plan', '9')"
            ),
            {"at": datetime(2027, 1, 1, tzinfo=UTC)},
        )
        connection.execute(
            text("INSERT INTO users (username, is_admin, created_at) VALUES ('u', false, :at)"),
            {"at": datetime(2027, 1, 1, tzinfo=UTC)},
        )
    store.migrate(engine)
    with engine.connect() as connection:
        user = connection.execute(text("SELECT session_generation, active FROM users")).one()
        org_id = connection.execute(text("SELECT org_id FROM audit_log")).scalar()
    assert (user.session_generation, bool(user.active), org_id) == (0, True, 7)


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


def _in_time(work, seconds: float = 5.0):
    """Run `work` in a thread; return its result, or fail when it waits longer than `seconds`."""
    result: list = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert result, f"still waiting after {seconds} s"
    return result[0]


def test_readers_never_wait_for_a_writer(engine, sessions):
    readers = store.session_factory(engine, reads_only=True)
    with sessions() as writer:
        writer.add(store.OrgRow(name="Busy", timezone="UTC", settings={}))
        writer.flush()  # holds SQLite's write lock until it ends

        def count() -> int:
            with readers() as reader:
                return len(reader.scalars(select(store.OrgRow)).all())

        assert _in_time(count) == 0  # the reader's snapshot: nothing uncommitted
        writer.rollback()


def test_a_reading_session_refuses_to_write(engine):
    readers = store.session_factory(engine, reads_only=True)
    with readers() as reader, pytest.raises(store.ReadOnlySessionError):
        reader.add(store.OrgRow(name="Nope", timezone="UTC", settings={}))
        reader.flush()
