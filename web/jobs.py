"""Plan generation in a background thread, with progress the browser polls.

The solver runs outside any request (a request never waits on it) and outside any database
transaction: the problem is read in one short transaction, solved, and the draft stored in a
second one, so SQLite's write lock is never held for the length of a solve. A job's status is
kept in a small JSON file in the instance folder, so whichever server worker answers the
progress page's poll can read it; a job whose process died (a restart) is reported failed once
it has run well past its time limit. The drafts that jobs stored stay on the plans page.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask import Flask

from scheduler.services import planning
from scheduler.services.progress import progress_status
from scheduler.solve import Progress, SolveOptions
from scheduler.solve.options import RATIO
from web import db

log = logging.getLogger(__name__)

JOB_ID = re.compile(r"[A-Za-z0-9_-]{8,32}")
SAVE_EVERY = 0.5  # seconds between progress writes
KEEP_SECONDS = 24 * 3600  # finished job files older than this are removed
GRACE = 120  # seconds past twice the time limit before a silent job counts as dead


@dataclass
class Job:
    """A plan generation in the background: what it plans, how far it got, how it ended."""

    id: str
    org_id: int
    start: date
    weeks: int
    time_limit: float
    started: float = field(default_factory=time.time)
    phase: str = "reading the org"
    best: float | None = None
    bound: float | None = None
    done: bool = False
    plan_id: int | None = None
    explanation: list[str] = field(default_factory=list)
    error: str | None = None
    finished: float | None = None

    def elapsed(self) -> float:
        """Return the seconds since the job started (until it finished)."""
        return (self.finished or time.time()) - self.started

    def stale(self) -> bool:
        """Tell whether the job stopped without saying so (its process died)."""
        return not self.done and self.elapsed() > 2 * self.time_limit + GRACE

    def status(self) -> dict[str, Any]:
        """Return what the progress page polls for, as JSON-ready data."""
        return progress_status(self)

    def to_json(self) -> str:
        """Serialise the job for its status file."""
        return json.dumps({**asdict(self), "start": self.start.isoformat()})

    @classmethod
    def from_json(cls, text: str) -> Job:
        """Read a job back from its status file."""
        data = json.loads(text)
        return cls(**{**data, "start": date.fromisoformat(data["start"])})


class Jobs:
    """The generation jobs of an app: threads of this process, status files shared by all."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}
        self._saved: dict[str, float] = {}

    def get(self, job_id: str) -> Job | None:
        """Return a job by id, from whichever process runs it (None when unknown)."""
        if not JOB_ID.fullmatch(job_id):
            return None
        try:
            job = Job.from_json(self._path(job_id).read_text())
        except (OSError, ValueError, TypeError):
            return None
        if job.stale():
            job.done, job.phase = True, "done"
            job.error = "Planning stopped without finishing (the server may have restarted)."
        return job

    def running(self, org_id: int) -> Job | None:
        """Return the org's job still running, if any."""
        for path in self.directory.glob("*.json"):
            job = self.get(path.stem)
            if job is not None and job.org_id == org_id and not job.done:
                return job
        return None

    def start(self, app: Flask, org_id: int, start: date, weeks: int, actor: str) -> Job:
        """Start planning in the background (or return the org's job already running)."""
        with self._lock:
            busy = self.running(org_id)
            if busy is not None:
                return busy
            self._forget_old()
            job = Job(secrets.token_urlsafe(12), org_id, start, weeks, app.config["SOLVE_SECONDS"])
            self.save(job)
            thread = threading.Thread(
                target=self._run, args=(app, job, actor), name=f"plan-{job.id}", daemon=True
            )
            self._threads[job.id] = thread
        thread.start()
        return job

    def wait(self, job_id: str, timeout: float | None = None) -> Job | None:
        """Wait for a job of this process to finish (tests)."""
        thread = self._threads.get(job_id)
        if thread is not None:
            thread.join(timeout)
        return self.get(job_id)

    def save(self, job: Job, throttle: bool = False) -> None:
        """Write the job's status (atomically; at most every SAVE_EVERY s when throttled)."""
        now = time.monotonic()
        if throttle and now - self._saved.get(job.id, 0.0) < SAVE_EVERY:
            return
        self._saved[job.id] = now
        self.directory.mkdir(parents=True, exist_ok=True)
        partial = self.directory / f".{job.id}.{threading.get_ident()}.tmp"
        partial.write_text(job.to_json())
        os.replace(partial, self._path(job.id))

    def _path(self, job_id: str) -> Path:
        return self.directory / f"{job_id}.json"

    def _forget_old(self) -> None:
        cutoff = time.time() - KEEP_SECONDS
        for path in self.directory.glob("*.json"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    self._threads.pop(path.stem, None)
            except OSError:
                continue

    def _run(self, app: Flask, job: Job, actor: str) -> None:
        def progress(report: Progress) -> None:
            job.phase = report.describe()  # the line the command line shows
            if report.phase == RATIO:  # the page shows best and bound as ratios
                job.best, job.bound = report.best, report.bound
            self.save(job, throttle=True)

        sessions = db.sessions(app)
        options = SolveOptions(
            time_limit=job.time_limit, num_workers=app.config["SOLVE_WORKERS"], progress=progress
        )
        try:
            job.phase = "solving"
            self.save(job)
            drafted = planning.plan_draft(
                sessions,
                job.org_id,
                job.start,
                job.weeks,
                options,
                actor,
                app.config["CLOCK"](),
            )
            job.explanation = list(drafted.outcome.explanation)
            job.plan_id = drafted.plan_id
            if drafted.outcome.plan is None and not drafted.outcome.proven:
                job.error = _not_found(options.time_limit, drafted.outcome.lower_bound)
        except Exception:  # the page must learn the job ended; the log keeps the traceback
            log.exception("plan generation %s failed", job.id)
            job.error = "Planning failed unexpectedly; the server log has the details."
        finally:
            job.finished, job.phase, job.done = time.time(), "done", True
            self.save(job)


def _not_found(time_limit: float, bound: float | None) -> str:
    """Say that a solve ran out of time: not a proof that no plan exists (docs/cli.md)."""
    known = f" No plan can have a max load ratio below {bound:.2f}." if bound is not None else ""
    return (
        f"No plan was found within {time_limit:g} seconds, and none was proven impossible: "
        f"this is not a proof that no plan exists.{known} Try again with fewer weeks, or ask "
        "an admin for a longer solve."
    )
