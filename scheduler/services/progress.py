"""What a plan's progress page polls for: one shape, whether the solve runs embedded in a web
worker (`web/jobs.py`) or as jobs on the queue (`services/queue`, `rota job --json`)."""

from __future__ import annotations

from typing import Any


def progress_status(job) -> dict[str, Any]:
    """Return a running or finished plan job's state as JSON-ready data.

    `job` has `id`, `done`, `phase`, `best` and `bound` (max load ratios or None),
    `time_limit` (seconds), `plan_id`, `explanation` (sentences), `error` and `elapsed()`
    (seconds since it started, until it finished).
    """
    return {
        "id": job.id,
        "done": job.done,
        "phase": job.phase,
        "best": job.best,
        "bound": job.bound,
        "elapsed": round(job.elapsed(), 1),
        "time_limit": job.time_limit,
        "plan_id": job.plan_id,
        "explanation": job.explanation,
        "error": job.error,
    }
