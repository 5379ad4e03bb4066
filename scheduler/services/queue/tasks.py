"""The jobs `rota worker` runs: one plan is a root job, two jobs per group and a merge.

The root job (`plan_job`) splits the problem into groups (solve.phases.prepare) and enqueues,
for each group n, `ratio_job` (its smallest max load ratio), then `spread_job` (its least
spread under the org's ratio: it waits for every group's ratio) and last `merge_job`, which
joins the groups' plans and stores the draft in one transaction. Every job is a function of
its arguments (the problem read when the plan was asked for, and plain data), so a job that
runs again after its worker died gives the same result, and the plan is the one the embedded
solve gives (docs/service.md#how-a-plan-is-solved).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from scheduler.domain.explain import precheck
from scheduler.domain.model import Problem
from scheduler.services import planning
from scheduler.services.queue.settings import QueueSettings
from scheduler.solve import NOT_FOUND, Outcome, Progress, SolveOptions, outcome_of
from scheduler.solve.options import RATIO

if TYPE_CHECKING:  # the solver (OR-Tools) loads in the jobs, not where plans are asked for
    from scheduler.solve.phases import Prepared, RatioResult, SpreadOutcome
    from scheduler.solve.search import Budget

log = logging.getLogger(__name__)

DELAY_ENV = "ROTA_TEST_JOB_DELAY"  # tests only: seconds each group job waits before solving
SAVE_EVERY = 0.5  # seconds between progress writes to a job's meta
_sessions: list = []  # the worker's session factory (set by `use_database`)


@dataclass(frozen=True)
class PlanRequest:
    """What was asked: the org, horizon, solve options, who asked and when (UTC)."""

    org_id: int
    start: date
    weeks: int
    actor: str
    now: datetime
    publish_it: bool = False
    time_limit: float = 300.0
    num_workers: int = 1
    seed: int = 1
    effort: float = 1.0
    tolerance: float = 0.02

    def options(self, progress=None) -> SolveOptions:
        """Return the solve options, with an optional progress callback."""
        return SolveOptions(
            time_limit=self.time_limit,
            num_workers=self.num_workers,
            seed=self.seed,
            effort=self.effort,
            tolerance=self.tolerance,
            progress=progress,
        )


@dataclass(frozen=True)
class Merged:
    """How a plan job ended: the outcome and the stored draft, or why there is none.

    `error` is set when a group failed (`failed` has one sentence per failed group); the
    groups that did not fail keep their results in their jobs.
    """

    outcome: Outcome | None
    plan_id: int | None = None
    version: int | None = None
    error: str | None = None
    failed: tuple[str, ...] = field(default_factory=tuple)


def ratio_id(root: str, n: int) -> str:
    """Return the id of group n's ratio job."""
    return f"{root}-ratio-{n}"


def spread_id(root: str, n: int) -> str:
    """Return the id of group n's spread job."""
    return f"{root}-spread-{n}"


def merge_id(root: str) -> str:
    """Return the id of the merge job."""
    return f"{root}-merge"


def use_database(sessions) -> None:
    """Give this worker process the session factory the merge job stores drafts with."""
    _sessions[:] = [sessions]


def plan_job(problem: Problem, request: PlanRequest, settings: QueueSettings) -> Merged | int:
    """Root job: check, split into groups and enqueue their jobs; return how many groups.

    Returns a Merged instead when the counting checks or a group already show there is no
    plan (nothing is enqueued then).
    """
    from rq import Queue, Retry, get_current_job
    from rq.job import Dependency, Job

    from scheduler.solve.phases import prepare

    job = get_current_job()
    options = request.options()
    obvious = precheck(problem)
    if obvious:
        return Merged(Outcome(None, None, tuple(obvious)))
    _say(job, "splitting the org into groups of rotations")
    try:
        prepared, _ = prepare(problem, options, _budget(request))
    except TimeoutError:
        return Merged(Outcome(None, None, (NOT_FOUND.format(request.time_limit),), proven=False))
    if prepared.infeasible:
        return Merged(_explained(problem, request))
    job.meta["groups"] = [list(teams) for teams in prepared.teams]
    job.save_meta()
    queue = Queue(job.origin, connection=job.connection)
    retry = Retry(max=settings.retries) if settings.retries else None
    group_timeout = int(request.time_limit) + settings.job_grace
    ratios = [ratio_id(job.id, n) for n in range(prepared.groups)]
    spreads = [spread_id(job.id, n) for n in range(prepared.groups)]

    what = f"plan of org #{request.org_id}, {request.weeks} weeks from {request.start}"

    def enqueue(function, args, job_id, timeout, after=None):
        # The ids are fixed: a root job run again after its worker died enqueues nothing twice.
        if Job.exists(job_id, connection=job.connection):
            return
        depends_on = Dependency(jobs=after, allow_failure=True) if after else None
        queue.enqueue(
            function,
            *args,
            job_id=job_id,
            description=f"{what}: {job_id.removeprefix(job.id + '-')}",
            job_timeout=timeout,
            depends_on=depends_on,
            retry=retry,
            result_ttl=settings.keep,
            failure_ttl=settings.keep,
        )

    for n in range(prepared.groups):
        enqueue(ratio_job, (problem, prepared, n, request), ratios[n], group_timeout)
    for n in range(prepared.groups):
        enqueue(
            spread_job, (problem, prepared, n, request, job.id), spreads[n], group_timeout, ratios
        )
    merge_timeout = 2 * int(request.time_limit) + settings.job_grace
    enqueue(
        merge_job, (problem, prepared, request, job.id), merge_id(job.id), merge_timeout, spreads
    )
    return prepared.groups


def ratio_job(problem: Problem, prepared: Prepared, n: int, request: PlanRequest) -> RatioResult:
    """Group n's smallest max load ratio (stage 2); progress goes to the job's meta."""
    from scheduler.solve.phases import ratio_stage

    _delay(prepared, n)
    options = request.options(_progress_saver())
    return ratio_stage(problem, prepared, n, options, _budget(request))


def spread_job(
    problem: Problem, prepared: Prepared, n: int, request: PlanRequest, root: str
) -> SpreadOutcome | None:
    """Group n's least spread and fewest broken wishes (stage 3) under the org's ratio.

    Returns None (nothing to do) when a group's ratio job failed or found no plan: the merge
    reports that.
    """
    from rq import get_current_job

    from scheduler.solve.phases import org_ratio_cap, spread_stage

    _delay(prepared, n)
    ratios = _results(
        get_current_job().connection, [ratio_id(root, k) for k in range(prepared.groups)]
    )
    if any(r is None or r.infeasible for r in ratios):
        return None
    z_cap = org_ratio_cap(problem, ratios, request.options())
    options = request.options(_progress_saver())
    return spread_stage(problem, prepared, n, ratios[n], z_cap, options, _budget(request))


def merge_job(problem: Problem, prepared: Prepared, request: PlanRequest, root: str) -> Merged:
    """Join the groups' plans and store the draft (and publish it if asked) in one transaction.

    A failed group is reported by its teams and how it failed; no draft is stored then. A
    merge run again after its worker died finds the draft it stored and stores no second one.
    """
    from rq import get_current_job

    from scheduler.solve.phases import assemble

    connection = get_current_job().connection
    ratio_ids = [ratio_id(root, n) for n in range(prepared.groups)]
    spread_ids = [spread_id(root, n) for n in range(prepared.groups)]
    ratios, spreads = _results(connection, ratio_ids), _results(connection, spread_ids)
    if any(r is not None and r.infeasible for r in ratios):
        return Merged(_explained(problem, request))
    failed = []
    for n in range(prepared.groups):
        for job_id in (ratio_ids[n], spread_ids[n]):
            if _failed(connection, job_id):  # one sentence per group, its first failed job's
                failed.append(_failure(connection, prepared, n, job_id, request))
                break
    if failed:
        kept = prepared.groups - len(failed)
        error = (
            "; ".join(failed) + f"; no draft was stored ({kept} other group"
            f"{' was' if kept == 1 else 's were'} solved, results kept with job {root})"
        )
        return Merged(None, error=error, failed=tuple(failed))
    seconds = time.time() - _started(connection, root)
    plan = assemble(problem, prepared, ratios, spreads, seconds)
    outcome = outcome_of(problem, plan, request.options())
    (sessions,) = _sessions
    with sessions.begin() as session:
        row = planning.draft_of_request(
            session, request.org_id, request.start, request.actor, request.now
        )
        if row is None:
            row = planning.store_draft(
                session, request.org_id, problem, outcome, request.actor, request.now
            )
            if request.publish_it:
                planning.publish(session, row.id, request.actor, request.now)
        return Merged(outcome, row.id, row.version)


def _explained(problem: Problem, request: PlanRequest) -> Outcome:
    from scheduler.domain.model import INFEASIBLE, Plan

    return outcome_of(problem, Plan((), status=INFEASIBLE), request.options())


def _budget(request: PlanRequest) -> Budget:
    from scheduler.solve.search import Budget

    return Budget(time.monotonic() + request.time_limit)


def _results(connection, ids: list[str]) -> list:
    """Return each job's result, None for a job that failed or is gone."""
    from rq.job import Job, JobStatus

    jobs = Job.fetch_many(ids, connection=connection)
    return [
        j.return_value() if j is not None and j.get_status() == JobStatus.FINISHED else None
        for j in jobs
    ]


def _failed(connection, job_id: str) -> bool:
    """Tell whether a job failed for good (it ran out of retries, or is gone)."""
    from rq.job import Job, JobStatus

    job = Job.fetch_many([job_id], connection=connection)[0]
    return job is None or job.get_status() in (JobStatus.FAILED, JobStatus.STOPPED)


def _failure(connection, prepared: Prepared, n: int, job_id: str, request: PlanRequest) -> str:
    """Say how group n failed, naming its teams."""
    from rq.job import Job

    teams = ", ".join(prepared.teams[n])
    job = Job.fetch_many([job_id], connection=connection)[0]
    text = ""
    if job is not None:
        result = job.latest_result()
        text = (result.exc_string or "") if result is not None else ""
    if "JobTimeoutException" in text:
        reason = f"ran past its time limit ({request.time_limit:g} s) and was stopped"
    elif "TimeoutError" in text:
        reason = f"found no plan within the time limit ({request.time_limit:g} s)"
    elif "Abandoned" in text:
        reason = "lost its worker more times than it may be retried"
    else:
        reason = "failed (the worker log has the details)"
    return f"group {n + 1} of {prepared.groups} ({teams}) {reason}"


def _started(connection, root: str) -> float:
    from rq.job import Job

    job = Job.fetch_many([root], connection=connection)[0]
    stamp = job.enqueued_at if job is not None else None
    return stamp.timestamp() if stamp else time.time()


def _say(job, phase: str) -> None:
    job.meta["phase"] = phase
    job.save_meta()


def _progress_saver():
    """Return a progress callback that writes the line (and ratio figures) to the job's meta."""
    from rq import get_current_job

    job = get_current_job()
    saved = [0.0]

    def save(report: Progress) -> None:
        job.meta["phase"] = report.describe()
        if report.phase == RATIO:
            job.meta["best"], job.meta["bound"] = report.best, report.bound
        now = time.monotonic()
        if now - saved[0] >= SAVE_EVERY:
            saved[0] = now
            try:
                job.save_meta()
            except Exception:  # progress is a courtesy: a lost Redis must not stop the solve
                log.warning("could not save the progress of job %s", job.id)

    return save


def _delay(prepared: Prepared, n: int) -> None:
    """Tests only: wait `SECONDS` (ROTA_TEST_JOB_DELAY=SECONDS, or SECONDS@TEAM for the group
    holding TEAM), so a test can kill a worker mid-job or run a job past its time limit."""
    setting = os.environ.get(DELAY_ENV)
    if not setting:
        return
    seconds, _, team = setting.partition("@")
    if not team or team in prepared.teams[n]:
        time.sleep(float(seconds))
