"""`rota worker`, `rota job` and the queue side of `rota plan --db` (docs/service.md).

With ROTA_REDIS_URL set, `rota plan --db` enqueues the plan and waits for the workers, showing
the same progress and printing the same summary as an embedded solve; `--no-wait` prints the
job id instead, and `rota job ID` (or `rota plan --db --job ID`) tells how that job is going.
"""

from __future__ import annotations

import json
import sys
import time
from typing import TYPE_CHECKING

import click

from scheduler.cli.common import (
    EXIT_NOT_FOUND,
    BadInput,
    actor,
    database,
    db_option,
    now,
)

if TYPE_CHECKING:
    from scheduler.services.queue import PlanStatus
    from scheduler.solve import SolveOptions

POLL = 0.5  # seconds between polls while waiting


class GroupFailed(click.ClickException):
    """A group of the queued plan failed (past its time limit): exit 3, as for no plan found."""

    exit_code = EXIT_NOT_FOUND


def queue_url() -> str | None:
    """Return ROTA_REDIS_URL, or None when solves run embedded."""
    from scheduler.services.queue import redis_url

    return redis_url()


def connected():
    """Return (redis client, settings); an unreachable Redis or bad setting is bad input."""
    from scheduler.services import queue

    url = queue.redis_url()
    if url is None:
        raise BadInput(f"set {queue.REDIS_ENV} (e.g. redis://127.0.0.1:6379/0) to use workers")
    try:
        settings = queue.QueueSettings.from_environ()
        return queue.connect(url), settings
    except (queue.QueueUnavailable, ValueError) as err:
        raise BadInput(str(err)) from None


def submit(sessions, org_id: int, start, weeks: int, options: SolveOptions):
    """Enqueue the org's plan; return the Submitted (job id and the problem read)."""
    from scheduler.services import queue

    client, settings = connected()
    try:
        return queue.submit_plan(
            client, settings, sessions, org_id, start, weeks, options, actor(), now()
        )
    except queue.QueueUnavailable as err:
        raise BadInput(str(err)) from None


def wait_for(job_id: str, show: bool) -> PlanStatus:
    """Poll the plan job until it ends, showing its progress on stderr when `show`.

    A lost Redis is said once and waited out: the jobs go on (or are retried) when it is back.
    """
    from scheduler.services import queue

    client, _ = connected()
    lost = False
    while True:
        try:
            status = queue.plan_status(client, job_id)
        except queue.QueueUnavailable as err:
            if not lost:
                click.echo(f"\r\033[K{err}; waiting (job {job_id})", err=True)
            lost = True
            time.sleep(2 * POLL)
            continue
        if lost:
            click.echo("Redis is back", err=True)
            lost = False
        if status is None:
            raise BadInput(f"there is no plan job {job_id!r} (finished ones are kept a day)")
        if status.done:
            return status
        if show:
            click.echo(f"\r\033[K{status.phase} ({status.elapsed():.1f} s)", nl=False, err=True)
        time.sleep(POLL)


def drafted(status: PlanStatus, problem, as_json: bool):
    """Turn a finished plan job into what `plan_draft` returns; a failed one ends the command."""
    from scheduler.services.planning import Drafted

    if status.error or status.outcome is None:
        if sys.stderr.isatty():
            click.echo("\r\033[K", nl=False, err=True)
        if as_json:
            click.echo(json.dumps({"status": "FAILED", "job": status.id, "error": status.error}))
        raise GroupFailed(status.error or "planning failed; the worker log has the details")
    return Drafted(problem, status.outcome, status.plan_id, status.version)


def describe(status: PlanStatus) -> str:
    """Return one line saying how a plan job is going or how it ended."""
    what = f"{status.id}: {status.weeks} weeks from {status.start}"
    if not status.done:
        return f"{what}: {status.phase} ({status.elapsed():.0f} s)"
    if status.error:
        return f"{what}: failed: {status.error}"
    if status.plan_id is not None:
        return f"{what}: done: stored draft plan #{status.plan_id} (version {status.version})"
    return f"{what}: done: no plan: " + "; ".join(status.explanation)


def show_job(job_id: str, as_json: bool) -> None:
    """Print the state of plan job `job_id` (one line, or JSON); unknown ids are bad input."""
    from scheduler.services import queue

    client, _ = connected()
    try:
        status = queue.plan_status(client, job_id)
    except queue.QueueUnavailable as err:
        raise BadInput(str(err)) from None
    if status is None:
        raise BadInput(f"there is no plan job {job_id!r} (finished ones are kept a day)")
    click.echo(json.dumps(status.status()) if as_json else describe(status))


@click.command()
@click.argument("job_id")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
def job(job_id, as_json):
    """Show how queued plan JOB_ID is going, or how it ended (needs ROTA_REDIS_URL)."""
    show_job(job_id, as_json)


@click.command()
@db_option
@click.option("--name", help="The worker's name in Redis [default: host and process id].")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
def worker(db_url, name, burst):
    """Solve queued plans (ROTA_REDIS_URL), storing drafts in the database; run one or more
    per machine, on any number of machines sharing the database and Redis.

    A worker that dies mid-job (SIGKILL, a lost machine) has its job run again by another
    worker, ROTA_WORKER_GRACE (60) s after its last heartbeat (docs/service.md).
    """
    import logging

    from scheduler.services.queue.worker import run_worker

    client, settings = connected()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    with database(db_url) as sessions:
        try:
            run_worker(client, settings, sessions, name=name, burst=burst)
        except ValueError as err:  # RQ: "There exists an active worker named ... already"
            raise BadInput(f"cannot start the worker: {err}") from None


COMMANDS = (worker, job)
