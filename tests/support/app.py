"""The web app as the tests build it: on the test database, its clock frozen, its solver small."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Engine

from web import create_app

SECRET_KEY = "test"


def make_app(engine: Engine, clock: Callable[[], datetime], jobs_dir: Path, **config: Any) -> Flask:
    """Build the app on a migrated `engine`; keyword arguments add to or override its config."""
    return create_app(
        {
            "TESTING": True,
            "ENGINE": engine,
            "MIGRATE": False,
            "SECRET_KEY": SECRET_KEY,
            "CLOCK": clock,
            "SOLVE_SECONDS": 10,
            "SOLVE_WORKERS": 1,
            "JOBS_DIR": str(jobs_dir),
            **config,
        }
    )
