"""Solves on the job queue: `rota worker` processes, a killed worker, a job past its limit.

These run the real Redis (database 7, a queue of each test's own) and real worker processes;
without Redis they skip, except in CI.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from support.database import cli_url
from support.queue import REDIS_URL, TWO_GROUPS, Workers, forget, redis_or_skip, unique_queue

from scheduler import store
from scheduler.cli import main
from scheduler.services import planning
from scheduler.services.queue import QueueSettings, plan_status
from scheduler.solve import SolveOptions

START, WEEKS = date(2027, 1, 4), 4
OPTIONS = ("--start", START.isoformat(), "--weeks", str(WEEKS), "--time-limit", "60")


@pytest.fixture
def queued(engine, db_url, tmp_path, monkeypatch):
    """The test database holding the two-group org, a queue of this test's own, and workers."""
    client = redis_or_skip()
    queue = unique_queue()
    url = cli_url(db_url)
    environ = {
        **os.environ,
        "ROTA_DATABASE_URL": url,
        "ROTA_REDIS_URL": REDIS_URL,
        "ROTA_QUEUE": queue,
        "ROTA_WORKER_GRACE": "2",
        "ROTA_WORKER_HEARTBEAT": "1",
        "ROTA_WORKER_CLEANUP": "2",
    }
    for name in ("ROTA_DATABASE_URL", "ROTA_REDIS_URL", "ROTA_QUEUE"):
        monkeypatch.setenv(name, environ[name])
    org_file = tmp_path / "org.yaml"
    org_file.write_text(TWO_GROUPS, encoding="utf-8")
    imported = CliRunner().invoke(main, ["import", str(org_file)])
    assert imported.exit_code == 0, imported.output
    workers = Workers(environ, tmp_path)
    job_ids: list[str] = []
    yield client, workers, job_ids
    workers.stop()
    forget(client, queue, job_ids)


def drafts(sessions) -> list[list[tuple]]:
    """Return every stored plan's assignments, oldest plan first."""
    with sessions() as session:
        rows = session.scalars(select(store.PlanRow).order_by(store.PlanRow.id)).all()
        return [
            sorted((a.team.key, a.role, a.start, a.end, a.person.key) for a in row.assignments)
            for row in rows
        ]


def wait_until(predicate, seconds: float, what: str, logs=lambda: ""):
    """Poll `predicate` until it returns something truthy; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    pytest.fail(f"{what} within {seconds} s\n{logs()}")


def test_a_killed_worker_s_job_is_retried_and_the_draft_equals_the_embedded_one(
    queued, sessions, monkeypatch
):
    from rq import Queue
    from rq.job import Job
    from rq.registry import StartedJobRegistry

    client, workers, job_ids = queued
    workers.environ["ROTA_TEST_JOB_DELAY"] = "4"  # every group job lasts long enough to kill
    workers.start("w1")
    workers.start("w2")
    submitted = CliRunner().invoke(main, ["plan", "--db", "--no-wait", *OPTIONS])
    assert submitted.exit_code == 0, submitted.output
    job_id = submitted.stdout.strip()
    job_ids.append(job_id)
    queue = Queue(os.environ["ROTA_QUEUE"], connection=client)
    registry = StartedJobRegistry(queue=queue)

    def a_group_job_running():
        for running in registry.get_job_ids():
            job = Job.fetch(running, connection=client)
            if "-ratio-" in job.id and job.worker_name:
                return job
        return None

    victim = wait_until(a_group_job_running, 60, "no group job started", workers.logs)
    workers.kill(victim.worker_name)
    workers.start("w3")  # a worker that starts only after the death takes part too

    done = wait_until(
        lambda: (s := plan_status(client, job_id)) is not None and s.done and s,
        150,
        "the plan did not finish",
        workers.logs,
    )
    assert done.error is None, done.error + workers.logs()
    assert done.plan_id is not None
    retried = Job.fetch(victim.id, connection=client)
    assert retried.get_status() == "finished"
    assert retried.retries_left == QueueSettings().retries - 1, "the killed job was not retried"

    # The same org solved embedded, with the same options: the same plan, complete.
    with sessions() as session:
        org_id = session.scalar(select(store.OrgRow.id))
    options = SolveOptions(time_limit=60, num_workers=1, seed=1)
    now = datetime.now(UTC)
    embedded = planning.plan_draft(sessions, org_id, START, WEEKS, options, "test", now)
    assert embedded.plan_id is not None
    queued_plan, embedded_plan = drafts(sessions)
    assert queued_plan == embedded_plan
    assert len(queued_plan) == 2 * 2 * WEEKS  # two teams, two roles, every week covered


def test_a_group_past_its_time_limit_fails_naming_its_teams_and_stores_nothing(
    queued, sessions, monkeypatch
):
    client, workers, job_ids = queued
    workers.environ["ROTA_TEST_JOB_DELAY"] = "20@bravo"  # only bravo's group overruns
    monkeypatch.setenv("ROTA_JOB_GRACE", "1")  # the plan's jobs may run 1 s past the limit
    workers.start("w1")
    options = ("--start", START.isoformat(), "--weeks", str(WEEKS), "--time-limit", "3")
    result = CliRunner().invoke(main, ["plan", "--db", *options])
    assert result.exit_code == 3, result.output + workers.logs()
    assert "group 2 of 2 (bravo) ran past its time limit (3 s)" in result.output
    assert "alpha" not in result.output.split("no draft")[0]
    assert "no draft was stored" in result.output
    assert drafts(sessions) == []


@pytest.fixture
def imported(engine, db_url, tmp_path, monkeypatch):
    """The two-group org in the test database, reached through ROTA_DATABASE_URL."""
    monkeypatch.setenv("ROTA_DATABASE_URL", cli_url(db_url))
    monkeypatch.delenv("ROTA_REDIS_URL", raising=False)
    org_file = tmp_path / "org.yaml"
    org_file.write_text(TWO_GROUPS, encoding="utf-8")
    assert CliRunner().invoke(main, ["import", str(org_file)]).exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ["plan", "--db", *OPTIONS],
        ["plan", "--db", "--no-wait", *OPTIONS],
        ["plan", "--db", "--job", "plan-0123456789abcdef"],
        ["job", "plan-0123456789abcdef"],
        ["worker"],
    ],
    ids=["plan", "no-wait", "plan-job", "job", "worker"],
)
def test_redis_out_of_reach_is_bad_input_naming_rota_redis_url(
    imported, sessions, monkeypatch, args
):
    monkeypatch.setenv("ROTA_REDIS_URL", "redis://127.0.0.1:1/7")  # nothing listens on port 1
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "cannot reach Redis at redis://127.0.0.1:1/7 (ROTA_REDIS_URL)" in result.output
    assert "Traceback" not in result.output
    assert drafts(sessions) == []


def test_without_a_queue_no_wait_and_workers_say_what_to_set(imported, sessions):
    for args in (["plan", "--db", "--no-wait", *OPTIONS], ["worker"], ["job", "plan-x"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        assert "set ROTA_REDIS_URL" in result.output
    assert drafts(sessions) == []
    no_db = CliRunner().invoke(main, ["plan", "--no-wait", "--start", "2027-01-04"])
    assert no_db.exit_code == 2 and "--no-wait and --job work with --db" in no_db.output


def test_bad_queue_settings_name_the_variable(imported, monkeypatch):
    monkeypatch.setenv("ROTA_REDIS_URL", REDIS_URL)
    monkeypatch.setenv("ROTA_WORKER_GRACE", "soon")
    result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 2
    assert "ROTA_WORKER_GRACE='soon': give a whole number of at least 1" in result.output
