"""Fixtures of the web tests: the web org, the app on the test database, a client."""

from __future__ import annotations

import pytest
from support.app import make_app
from support.clock import Clock
from support.web_support import NOW, World, build_world


@pytest.fixture
def world(sessions) -> World:
    return build_world(sessions)


@pytest.fixture
def clock() -> Clock:
    """Stop the app's clock on the Tuesday of the plan's first week; tests move it."""
    return Clock(NOW)


@pytest.fixture
def app(engine, world, clock, tmp_path):
    """Build the web app on the stored world, clock frozen, solver kept small."""
    return make_app(engine, clock, tmp_path / "jobs")


@pytest.fixture
def client(app):
    """Return a test client of the app, signed out."""
    return app.test_client()
