"""Ask for a plan on the job queue, and read how it is going from whichever process asks.

`submit_plan` reads the problem in one short transaction and enqueues the root job;
`plan_status` reads the jobs' state and progress (their meta) from Redis, so any web worker or
command can answer a poll (docs/service.md#how-a-plan-is-solved).
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from scheduler.domain.model import Problem
from scheduler.services import planning
from scheduler.services.progress import progress_status
from scheduler.services.queue.settings import QueueSettings, QueueUnavailable
from scheduler.services.queue.tasks import (
    Merged,
    PlanRequest,
    merge_id,
    plan_job,
    ratio_id,
    spread_id,
)
from scheduler.solve import Outcome, SolveOptions

PLAN_ID = re.compile(r"plan-[0-9a-f]{16}")  # a root job's id (its group jobs add suffixes)
RUNNING_KEY = "rota:{queue}:org:{org_id}:plan"  # the org's plan job still running, if any


@dataclass
class PlanStatus:
    """A queued plan as a poll sees it (the same fields as the web's embedded jobs).

    `started` is a Unix time; `best` and `bound` are max load ratios; `outcome`, `plan_id` and
    `version` are set once the merge stored the draft; `error` when a group or job failed.
    """

    id: str
    org_id: int
    start: date
    weeks: int
    time_limit: float
    started: float
    phase: str = "waiting for a worker"
    best: float | None = None
    bound: float | None = None
    done: bool = False
    plan_id: int | None = None
    version: int | None = None
    explanation: list[str] = field(default_factory=list)
    error: str | None = None
    outcome: Outcome | None = None
    finished: float | None = None

    def elapsed(self) -> float:
        """Return the seconds since the plan was asked for (until it finished)."""
        return max(0.0, (self.finished or time.time()) - self.started)

    def status(self) -> dict[str, Any]:
        """Return what the progress page polls for, as JSON-ready data."""
        return progress_status(self)


@dataclass(frozen=True)
class Submitted:
    """A plan on the queue: the root job's id and the problem its jobs solve."""

    job_id: str
    problem: Problem


def submit_plan(
    client,
    settings: QueueSettings,
    sessions: sessionmaker[Session],
    org_id: int,
    start: date,
    weeks: int,
    options: SolveOptions,
    actor: str,
    now: datetime,
    keep_live: bool = True,
    publish_it: bool = False,
) -> Submitted:
    """Enqueue a plan of the org for `weeks` from `start`; return its job id and problem.

    Reads the problem now (as `planning.plan_draft` does, re-planning a live quarter with
    `keep_live`), so every job solves the same one. When the org already has a plan job of
    this horizon running, returns that one instead. Raises QueueUnavailable when Redis cannot
    be reached and planning.PlanError for an unknown org.
    """
    import redis
    from rq import Queue, Retry

    with sessions() as session:
        problem = planning.build_problem(
            session, org_id, start, weeks, now=now if keep_live else None
        )
    request = PlanRequest(
        org_id, start, weeks, actor, now, publish_it, options.time_limit,
        options.num_workers, options.seed, options.effort, options.tolerance,
    )  # fmt: skip
    key = RUNNING_KEY.format(queue=settings.queue, org_id=org_id)
    job_id = "plan-" + secrets.token_hex(8)
    meta = {"org_id": org_id, "start": start.isoformat(), "weeks": weeks}
    meta |= {"time_limit": options.time_limit, "phase": "waiting for a worker"}
    try:
        busy = client.get(key)
        if busy is not None:
            status = plan_status(client, busy.decode())
            same = status is not None and (status.start, status.weeks) == (start, weeks)
            if same and not status.done:
                return Submitted(status.id, problem)
        client.set(key, job_id, ex=settings.keep)
        Queue(settings.queue, connection=client).enqueue(
            plan_job,
            problem,
            request,
            settings,
            job_id=job_id,
            description=f"plan of org #{org_id}, {weeks} weeks from {start}",
            job_timeout=2 * int(options.time_limit) + settings.job_grace,
            retry=Retry(max=settings.retries) if settings.retries else None,
            result_ttl=settings.keep,
            failure_ttl=settings.keep,
            meta=meta,
        )
    except redis.RedisError as err:
        raise QueueUnavailable(f"lost Redis while asking for the plan: {err}") from None
    return Submitted(job_id, problem)


def running_plan(client, settings: QueueSettings, org_id: int) -> PlanStatus | None:
    """Return the org's queued plan that has not finished, if any."""
    import redis

    try:
        busy = client.get(RUNNING_KEY.format(queue=settings.queue, org_id=org_id))
    except redis.RedisError as err:
        raise QueueUnavailable(f"lost Redis: {err}") from None
    status = plan_status(client, busy.decode()) if busy else None
    return status if status is not None and not status.done else None


def plan_status(client, job_id: str) -> PlanStatus | None:
    """Return the state of plan job `job_id`, or None when there is no such plan job.

    Raises QueueUnavailable when Redis cannot be reached (the jobs go on when it is back).
    """
    import redis

    try:
        return _status(client, job_id)
    except redis.RedisError as err:
        raise QueueUnavailable(
            f"lost Redis ({err}); the plan goes on, or is retried, once Redis is back"
        ) from None


def _status(client, job_id: str) -> PlanStatus | None:
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    if not PLAN_ID.fullmatch(job_id):
        return None
    try:
        root = Job.fetch(job_id, connection=client)
    except NoSuchJobError:
        return None
    meta = root.get_meta()
    if "org_id" not in meta:
        return None
    started = root.enqueued_at.timestamp() if root.enqueued_at else time.time()
    status = PlanStatus(
        job_id, meta["org_id"], date.fromisoformat(meta["start"]), meta["weeks"],
        meta["time_limit"], started, phase=meta.get("phase", "waiting for a worker"),
    )  # fmt: skip
    state = root.get_status()
    if state == JobStatus.FAILED:
        return _ended(status, root, error="Planning failed; the worker log has the details.")
    if state == JobStatus.STARTED:
        status.phase = meta.get("phase", "reading the org")
    if state != JobStatus.FINISHED:
        if state in (JobStatus.QUEUED, JobStatus.SCHEDULED) and not _workers(client, root):
            status.phase = "waiting for a worker (none is running: start one with `rota worker`)"
        return status
    value = root.return_value()
    if isinstance(value, Merged):
        return _ended(status, root, value)
    return _groups(client, status, job_id, int(value))


def _groups(client, status: PlanStatus, root: str, groups: int) -> PlanStatus:
    """Fill in the progress of a plan whose groups are being solved, or how it ended."""
    from rq.job import Job, JobStatus

    merge = Job.fetch_many([merge_id(root)], connection=client)[0]
    if merge is None:
        return _ended(status, None, error="Planning stopped: its jobs are gone from Redis.")
    state = merge.get_status()
    if state == JobStatus.FINISHED:
        return _ended(status, merge, merge.return_value())
    if state in (JobStatus.FAILED, JobStatus.STOPPED):
        return _ended(status, merge, error="Planning failed; the worker log has the details.")
    if state == JobStatus.STARTED:
        status.phase = "joining the groups' plans and storing the draft"
        return status
    ids = [ratio_id(root, n) for n in range(groups)] + [spread_id(root, n) for n in range(groups)]
    jobs = [j for j in Job.fetch_many(ids, connection=client) if j is not None]
    finished = sum(j.get_status() == JobStatus.FINISHED for j in jobs)
    running = [j for j in jobs if j.get_status() == JobStatus.STARTED]
    bests = [j.meta["best"] for j in jobs if j.meta.get("best") is not None]
    bounds = [j.meta["bound"] for j in jobs if j.meta.get("bound") is not None]
    status.best = max(bests) if bests else None  # the org's ratio is its groups' largest
    status.bound = max(bounds) if bounds else None
    line = running[-1].meta.get("phase") if running else None
    counted = f"{finished} of {2 * groups} group jobs done"
    status.phase = f"{counted}: {line}" if line else f"{counted}; waiting for a worker"
    return status


def _ended(status: PlanStatus, job, merged: Merged | None = None, error: str | None = None):
    status.done, status.phase = True, "done"
    ended = getattr(job, "ended_at", None) if job is not None else None
    status.finished = ended.timestamp() if ended else time.time()
    if merged is not None:
        status.outcome, status.plan_id, status.version = (
            merged.outcome,
            merged.plan_id,
            merged.version,
        )
        status.error = merged.error
        if merged.outcome is not None and merged.outcome.plan is None:
            status.explanation = list(merged.outcome.explanation)
    if error:
        status.error = error
    return status


def _workers(client, job) -> int:
    from rq import Queue, Worker

    return Worker.count(queue=Queue(job.origin, connection=client))
