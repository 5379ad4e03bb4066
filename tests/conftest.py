"""Shared fixtures: small orgs, fast solver options, Hypothesis profiles, the test database.

A test that asks for `world` gets the `scenario` that its module or folder names, stored.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from support.builders import FAST, build_small_team_org
from support.database import worker_schema
from support.world import World, build_world

from scheduler.domain.model import Org
from scheduler.solve import SolveOptions

# Property tests solve real problems: a generous per-example deadline (each solve is capped at a
# few seconds, so only a runaway example exceeds it), a bounded number of examples.
# The default profile is derandomised so CI runs the same examples every time; the thorough
# profile explores freshly (HYPOTHESIS_PROFILE=thorough).
settings.register_profile(
    "default",
    max_examples=25,
    deadline=timedelta(seconds=30),
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=timedelta(seconds=30),
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def fast() -> SolveOptions:
    """Solver options for small test problems."""
    return FAST


@pytest.fixture(scope="session")
def small_team_org() -> Callable[..., Org]:
    """Return a builder of one-team orgs: `small_team_org(4, team_fields={"shift": "daily"})`."""
    return build_small_team_org


# --- the database: a fresh SQLite file per test, or PostgreSQL when ROTA_DATABASE_URL says so --


@pytest.fixture
def db_url(tmp_path) -> str:
    """Return the URL tests should use: PostgreSQL from the environment, else a SQLite file."""
    return os.environ.get("ROTA_DATABASE_URL") or f"sqlite:///{tmp_path / 'rota.sqlite'}"


@pytest.fixture
def engine(db_url):
    """Yield a migrated, empty database (on PostgreSQL, a schema of this test worker's own)."""
    from sqlalchemy import create_engine, text

    from scheduler.store import make_engine, migrate

    schema = worker_schema(db_url)
    if schema is not None:
        admin = create_engine(db_url.replace("postgresql://", "postgresql+psycopg://", 1))
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
    engine = make_engine(db_url, schema=schema)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine):
    """Return a session factory bound to the test database."""
    from scheduler.store import session_factory

    return session_factory(engine)


@pytest.fixture
def world(sessions, scenario) -> World:
    """Store the `scenario` fixture's org, published plan and accounts; return their ids."""
    return build_world(sessions, scenario)


def pytest_configure(config) -> None:
    """Register the markers the suite uses (`-m browser` runs the Playwright tests alone)."""
    config.addinivalue_line("markers", "browser: drives a real browser (Debian's Chromium)")
    config.addinivalue_line("markers", "notebook: executes a notebook in notebooks/ (nbclient)")
