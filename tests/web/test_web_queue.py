"""Generating a plan on the job queue from the web: progress from Redis, the draft, faults."""

from __future__ import annotations

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select
from support.app import make_app
from support.queue import REDIS_URL, forget, redis_or_skip, unique_queue
from support.web_support import login, post

from scheduler.services.queue import QueueSettings
from scheduler.services.queue.tasks import use_database
from scheduler.store import PlanRow
from web.queue_jobs import QueueJobs

START = "2027-01-18"


@pytest.fixture
def queued_app(engine, world, clock, tmp_path):
    """The app with generation on a queue of this test's own in the test Redis."""
    client = redis_or_skip()
    settings = QueueSettings(queue=unique_queue())
    app = make_app(engine, clock, tmp_path / "jobs", REDIS_URL=REDIS_URL, QUEUE_SETTINGS=settings)
    yield app, client, settings
    forget(client, settings.queue, [])


def test_a_queued_generate_shows_progress_from_redis_and_ends_on_the_draft(
    queued_app, world, sessions
):
    app, redis, settings = queued_app
    web = app.test_client()
    login(web, "opsboss")
    response = post(web, "/plans/generate", {"start": START, "weeks": "2"})
    assert response.status_code == 302
    job_url = response.headers["Location"]
    job_id = job_url.rsplit("/", 1)[1]
    page = web.get(job_url).text
    assert "waiting for a worker (none is running: start one with `rota worker`)" in page
    assert "/plans/" in web.get("/plans/").text and job_url in web.get("/plans/").text
    again = post(web, "/plans/generate", {"start": START, "weeks": "2"})
    assert again.headers["Location"] == job_url  # one plan of a horizon at a time

    use_database(sessions)  # a worker in this process runs every job, dependents too
    SimpleWorker([Queue(settings.queue, connection=redis)], connection=redis).work(burst=True)

    status = web.get(f"{job_url}.json").get_json()
    assert status["done"] and status["error"] is None, status
    assert web.get(job_url).headers["Location"] == status["plan_url"]
    with sessions() as session:
        draft = session.get(PlanRow, status["plan_id"])
        assert draft.state == "draft" and draft.weeks == 2 and draft.assignments
    # Any other web worker reads the same state from Redis.
    other = QueueJobs(REDIS_URL, settings).get(job_id)
    assert other.done and other.plan_id == status["plan_id"]
    forget(redis, settings.queue, [job_id])


def test_redis_out_of_reach_gives_a_page_naming_rota_redis_url(
    engine, world, clock, tmp_path, sessions
):
    app = make_app(engine, clock, tmp_path / "jobs", REDIS_URL="redis://127.0.0.1:1/7")
    web = app.test_client()
    login(web, "opsboss")
    response = post(web, "/plans/generate", {"start": START, "weeks": "2"})
    assert response.status_code == 503
    assert "cannot reach Redis at redis://127.0.0.1:1/7 (ROTA_REDIS_URL)" in response.text
    listing = web.get("/plans/")
    assert listing.status_code == 200 and "planning queue cannot be reached" in listing.text
    poll = web.get("/plans/jobs/plan-0123456789abcdef.json")
    assert poll.status_code == 503
    assert "planning queue cannot be reached" in poll.get_json()["message"]
    with sessions() as session:
        assert session.scalars(select(PlanRow).where(PlanRow.state == "draft")).all() == []
