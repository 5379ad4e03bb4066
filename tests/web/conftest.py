"""Fixtures of the web tests (test modules load them with `pytest_plugins`)."""

from __future__ import annotations

import pytest
from support.web_support import Clock, World, build_world


@pytest.fixture
def world(sessions) -> World:
    return build_world(sessions)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(engine, world, clock, tmp_path):
    """Build the web app on the test database, clock frozen, solver kept small."""
    from web import create_app

    return create_app(
        {
            "TESTING": True,
            "ENGINE": engine,
            "MIGRATE": False,
            "SECRET_KEY": "test",
            "CLOCK": clock,
            "SOLVE_SECONDS": 10,
            "SOLVE_WORKERS": 1,
            "JOBS_DIR": str(tmp_path / "jobs"),
        }
    )


@pytest.fixture
def client(app):
    return app.test_client()
