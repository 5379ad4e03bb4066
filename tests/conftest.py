"""Shared fixtures: small orgs built from the model, fast solver options, Hypothesis profiles."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from builders import FAST, build_small_team_org
from hypothesis import HealthCheck, settings

from scheduler.model import Org
from scheduler.solver import SolveOptions

# Property tests solve real problems: no per-example deadline, a bounded number of examples.
# The default profile is derandomised so CI runs the same examples every time; the thorough
# profile explores freshly (HYPOTHESIS_PROFILE=thorough).
settings.register_profile(
    "default",
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=300,
    deadline=None,
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
