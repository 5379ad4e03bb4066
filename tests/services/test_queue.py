"""The plan jobs in one process (RQ's SimpleWorker): the draft, a merge run twice, the status."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from rq import Queue, SimpleWorker
from rq.job import Job
from sqlalchemy import func, select
from support.queue import TWO_GROUPS, forget, redis_or_skip, unique_queue

from scheduler.domain.orgfile import parse_org
from scheduler.services import importer, leave
from scheduler.services.queue import QueueSettings, plan_status, submit_plan
from scheduler.services.queue.tasks import merge_id, ratio_id, use_database
from scheduler.solve import SolveOptions
from scheduler.store import PersonRow, PlanRow

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OPTIONS = SolveOptions(time_limit=10, num_workers=1, seed=1)


@pytest.fixture
def queue_and_org(sessions):
    """A queue of this test's own, and the two-group org stored; yields (redis, settings, id)."""
    client = redis_or_skip()
    settings = QueueSettings(queue=unique_queue())
    with sessions.begin() as session:
        org_id = importer.import_org(session, parse_org(TWO_GROUPS, "two.yaml"), "t", NOW).org_id
    use_database(sessions)
    yield client, settings, org_id
    forget(client, settings.queue, [])


def work(client, settings) -> None:
    SimpleWorker([Queue(settings.queue, connection=client)], connection=client).work(burst=True)


def test_a_merge_run_again_finds_its_draft_and_stores_no_second_one(queue_and_org, sessions):
    client, settings, org_id = queue_and_org
    submitted = submit_plan(
        client, settings, sessions, org_id, date(2027, 1, 4), 4, OPTIONS, "t", NOW
    )
    assert plan_status(client, submitted.job_id).phase.startswith("waiting for a worker")
    work(client, settings)
    status = plan_status(client, submitted.job_id)
    assert status.done and status.error is None and status.plan_id is not None
    assert status.outcome.plan is not None and len(status.outcome.plan.assignments) == 16

    merge = Job.fetch(merge_id(submitted.job_id), connection=client)
    again = Queue(settings.queue, connection=client).enqueue(merge.func, *merge.args)
    work(client, settings)
    assert again.return_value().plan_id == status.plan_id  # as after a worker died mid-merge
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(PlanRow)) == 1
    forget(client, settings.queue, [submitted.job_id])


def test_a_quarter_with_no_plan_is_explained_without_group_jobs(queue_and_org, sessions):
    client, settings, org_id = queue_and_org
    with sessions.begin() as session:  # all of alpha but a1 away the first week: nobody backs a1
        for key in ("a2", "a3", "a4", "a5"):
            person = session.scalar(select(PersonRow).where(PersonRow.key == key))
            days = leave.whole_days(date(2027, 1, 4), date(2027, 1, 10), "UTC")
            leave.add_leave(session, person.id, *days, actor="t", now=NOW)
    submitted = submit_plan(
        client, settings, sessions, org_id, date(2027, 1, 4), 1, OPTIONS, "t", NOW
    )
    work(client, settings)
    status = plan_status(client, submitted.job_id)
    assert status.done and status.error is None and status.plan_id is None
    assert status.explanation and any("alpha" in s for s in status.explanation)
    assert not Job.exists(ratio_id(submitted.job_id, 0), connection=client)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(PlanRow)) == 0
    forget(client, settings.queue, [submitted.job_id])
