"""A clock the tests set and move; the app reads it through its config key CLOCK."""

from __future__ import annotations

from datetime import datetime


class Clock:
    """Tell the time the test set: `clock.now = ...` moves it."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now
