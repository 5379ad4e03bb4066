"""Fixtures of the web tests: the web org by default, the app on the test database, a client."""

from __future__ import annotations

import pytest
from support.app import make_app
from support.clock import Clock
from support.world import PAGES, Scenario


@pytest.fixture
def scenario() -> Scenario:
    """Store the web org; a module may name another (the API, feed and browser modules do)."""
    return PAGES


@pytest.fixture
def clock(scenario) -> Clock:
    """Stop the app's clock at the scenario's time; tests move it."""
    return Clock(scenario.now)


@pytest.fixture
def app(engine, world, clock, tmp_path):
    """Build the web app on the stored world, clock frozen, solver kept small."""
    return make_app(engine, clock, tmp_path / "jobs")


@pytest.fixture
def client(app):
    """Return a test client of the app, signed out."""
    return app.test_client()
