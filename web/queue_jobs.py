"""Plan generation on the job queue (ROTA_REDIS_URL set): `rota worker` processes solve.

The same interface as `web.jobs.Jobs` (start, get, running), so the views and the progress page
do not care where a solve runs; a job's state and progress come from Redis, so whichever server
worker answers the poll reads the same (docs/service.md). Redis out of reach raises
QueueUnavailable, which the plans views turn into a page (or JSON) that says so.
"""

from __future__ import annotations

from datetime import date

from flask import Flask

from scheduler.services import queue
from scheduler.services.queue import PlanStatus, QueueSettings, QueueUnavailable
from scheduler.solve import SolveOptions
from web import db

__all__ = ["QueueJobs", "QueueSettings", "QueueUnavailable"]


class QueueJobs:
    """The generation jobs of an app, as RQ jobs in Redis at `url`."""

    def __init__(self, url: str, settings: QueueSettings):
        self.url = url
        self.settings = settings
        self._client = None

    def client(self):
        """Return the Redis client, connecting (and checking Redis answers) on first use."""
        if self._client is None:
            self._client = queue.connect(self.url)
        return self._client

    def get(self, job_id: str) -> PlanStatus | None:
        """Return a plan job by id (None when unknown); raises QueueUnavailable."""
        return queue.plan_status(self.client(), job_id)

    def running(self, org_id: int) -> PlanStatus | None:
        """Return the org's plan job still running, if any; raises QueueUnavailable."""
        return queue.running_plan(self.client(), self.settings, org_id)

    def start(self, app: Flask, org_id: int, start: date, weeks: int, actor: str) -> PlanStatus:
        """Enqueue a plan (or return the org's job of this horizon already running)."""
        options = SolveOptions(
            time_limit=app.config["SOLVE_SECONDS"], num_workers=app.config["SOLVE_WORKERS"]
        )
        # The problem is read without a write lock: the request's own session may hold it.
        submitted = queue.submit_plan(
            self.client(), self.settings, db.readers(app), org_id, start, weeks, options,
            actor, app.config["CLOCK"](),
        )  # fmt: skip
        found = self.get(submitted.job_id)
        if found is None:  # enqueued a moment ago: only a flushed Redis loses it
            raise QueueUnavailable("the plan job vanished from Redis as it was enqueued")
        return found
