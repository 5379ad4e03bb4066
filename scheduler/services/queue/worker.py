"""The worker `rota worker` runs: an RQ worker whose jobs are taken over when it dies.

RQ keeps every running job in the queue's StartedJobRegistry with a deadline its worker pushes
forward at each heartbeat (every `heartbeat` seconds). When a worker dies (SIGKILL, a lost
machine) the deadline passes `grace` seconds later, and the next registry cleanup of any live
worker (every `cleanup` seconds, and at its start) retries the job: that is RQ's abandoned-job
handling, with RQ's fixed 60 s grace made configurable (docs/service.md#when-a-worker-dies).
"""

from __future__ import annotations

import ctypes
import logging
import signal
import sys

from rq import Queue, Worker

from scheduler.services.queue.settings import QueueSettings
from scheduler.services.queue.tasks import use_database

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1  # linux/prctl.h


class RotaWorker(Worker):
    """An RQ worker with a configurable heartbeat grace; its work horse dies with it.

    RQ forks a work horse per job in a process group of its own, which would outlive a killed
    worker, finish the job unwatched and race the retry; on Linux the horse asks to be killed
    when its parent dies, as it would be if the machine went down.
    """

    grace = 60  # seconds after the last heartbeat before a job counts as abandoned

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        """Return how long this heartbeat keeps the job alive: to the next one, plus grace."""
        if job.timeout and job.timeout > 0:
            return int(min(job.timeout - working_time, self.job_monitoring_interval)) + self.grace
        return self.job_monitoring_interval + self.grace

    def main_work_horse(self, job, queue) -> None:
        """Run the job in the forked horse, which dies with its worker (Linux)."""
        if sys.platform.startswith("linux"):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        super().main_work_horse(job, queue)

    def handle_job_failure(
        self, job, queue, started_job_registry=None, exc_string="", execution=None
    ):
        """Fail a job that ran past its time limit for good: running it again would too."""
        if "JobTimeoutException" in (exc_string or ""):
            job.retries_left = 0
        return super().handle_job_failure(job, queue, started_job_registry, exc_string, execution)


def warm_up() -> None:
    """Load the solver once in the worker, so each forked work horse starts with it loaded.

    Importing OR-Tools takes seconds; a horse forked from a worker that had not would pay that
    for every job. No solver thread runs before the fork, so forking after it is safe.
    """
    import importlib

    for module in ("scheduler.solve.phases", "scheduler.solve.core", "scheduler.domain.reports"):
        importlib.import_module(module)


def run_worker(
    client, settings: QueueSettings, sessions, name: str | None = None, burst: bool = False
) -> bool:
    """Work the queue until stopped (SIGTERM/SIGINT; with `burst`, until it is empty).

    `client` is a redis.Redis, `sessions` the session factory the merge jobs store drafts
    with. Returns whether any job was run.
    """
    use_database(sessions)
    warm_up()
    queue = Queue(settings.queue, connection=client)
    worker = RotaWorker(
        [queue],
        name=name,
        connection=client,
        # An idle worker waits for a job `worker_ttl - 15` s at a time; cleanups run between.
        worker_ttl=settings.cleanup + 15,
        job_monitoring_interval=settings.heartbeat,
        maintenance_interval=settings.cleanup,
    )
    worker.grace = settings.grace
    return worker.work(burst=burst, logging_level="INFO", with_scheduler=False)
