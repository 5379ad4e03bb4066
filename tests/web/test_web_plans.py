"""Generating a plan from the web: background job, progress JSON, the draft beside the live plan."""

from __future__ import annotations

import time
from datetime import date

from sqlalchemy import select
from support.web_support import login, post
from support.world import PAGES, START

from scheduler.services import leave
from scheduler.store import PlanRow
from web.jobs import Job, Jobs

NOW = PAGES.now


def _generate(app, client, start: str, weeks: int = 1):
    """Start a job through the form, wait for it, and return its final JSON status."""
    response = post(client, "/plans/generate", {"start": start, "weeks": str(weeks)})
    assert response.status_code == 302
    job_url = response.headers["Location"]
    job_id = job_url.rsplit("/", 1)[1]
    assert app.extensions["rota.jobs"].wait(job_id, timeout=60).done
    status = client.get(f"{job_url}.json")
    assert status.status_code == 200
    return job_url, status.get_json()


def test_generate_shows_the_draft_beside_the_live_plan_and_publishes(app, client, world, sessions):
    login(client, "opsboss")
    page = client.get("/plans/").text
    assert 'value="2027-01-18"' in page  # the Monday after the published plan
    job_url, status = _generate(app, client, "2027-01-18", weeks=2)
    assert status["done"] and status["error"] is None and status["plan_id"]
    assert client.get(job_url).headers["Location"] == status["plan_url"]
    draft = client.get(status["plan_url"]).text
    assert "(draft)" in draft and "Lower bound" in draft and "Max load ratio" in draft
    assert "Live plan (from 04 Jan 2027, v1)" in draft
    # A new quarter staffs DB too, which Ops's manager may not change: the page says so, and
    # publishing anyway is refused with the same sentence, changing nothing.
    refusal = "You may not change the plans of DB: you manage Ops &lt;i&gt;core&lt;/i&gt; only."
    assert refusal in draft and '<button type="submit">Publish</button>' not in draft
    refused = post(client, f"/plans/{status['plan_id']}/publish")
    assert refusal in client.get(refused.headers["Location"]).text
    with sessions() as session:
        assert session.get(PlanRow, status["plan_id"]).state == "draft"
    login(client, "admin")
    post(client, f"/plans/{status['plan_id']}/publish")
    with sessions() as session:
        states = dict(session.execute(select(PlanRow.id, PlanRow.state)).all())
    assert states == {world.plan_id: "published", status["plan_id"]: "published"}


def test_republishing_a_horizon_supersedes_the_old_version(app, client, world, sessions):
    login(client, "admin")
    _, status = _generate(app, client, "2027-01-04", weeks=2)
    page = client.get(status["plan_url"]).text
    assert "It replaces v1." in page
    post(client, f"/plans/{status['plan_id']}/publish")
    with sessions() as session:
        states = dict(session.execute(select(PlanRow.id, PlanRow.state)).all())
    assert states == {world.plan_id: "superseded", status["plan_id"]: "published"}
    response = post(client, f"/plans/{world.plan_id}/publish")  # no longer a draft
    assert "not a draft" in client.get(response.headers["Location"]).text


def test_no_plan_shows_the_explanation(app, client, world, sessions):
    with sessions.begin() as session:  # all of DB away for the week: nobody can cover it
        for key in ("olga", "pia", "quinn"):
            start, end = leave.whole_days(date(2027, 1, 18), date(2027, 1, 24), "UTC")
            leave.add_leave(session, world.people[key], start, end, actor="t", now=NOW)
    login(client, "dbboss")
    job_url, status = _generate(app, client, "2027-01-18")
    assert status["plan_id"] is None and status["explanation"]
    page = client.get(job_url).text
    assert "No plan exists" in page
    assert status["explanation"][0].replace("'", "&#39;") in page


def test_a_solve_out_of_time_is_not_called_impossible(app, client, world, monkeypatch):
    from scheduler.services import planning
    from scheduler.solve import Outcome

    def out_of_time(sessions, org_id, start, weeks, options, actor, now, **_):
        said = ("no plan was found within 5 s; allow a longer solve (--time-limit)",)
        outcome = Outcome(None, None, said, proven=False, bound=1.5)
        return planning.Drafted(problem=None, outcome=outcome)

    monkeypatch.setattr(planning, "plan_draft", out_of_time)
    login(client, "dbboss")
    job_url, status = _generate(app, client, "2027-01-18")
    assert "not a proof that no plan exists" in status["error"] and "1.50" in status["error"]
    page = client.get(job_url).text
    assert "No plan exists" not in page and "none was proven impossible" in page


def test_job_status_of_an_unknown_job_is_404(client, world):
    login(client, "opsboss")
    assert client.get("/plans/jobs/nope.json").status_code == 404
    assert client.get("/plans/jobs/nope").status_code == 404


def test_bad_horizons_are_400(client, world):
    login(client, "opsboss")
    for form in ({"start": "soon", "weeks": "2"}, {"start": "2027-01-18", "weeks": "99"}):
        assert post(client, "/plans/generate", form).status_code == 400
    # The start is in range, but the horizon would run past the last supported day (as in the CLI).
    response = post(client, "/plans/generate", {"start": "2200-12-29", "weeks": "26"})
    assert response.status_code == 400 and "past the last supported day 2200-12-31" in response.text


def test_any_worker_reads_a_jobs_progress(app, client, world):
    login(client, "opsboss")
    _, status = _generate(app, client, "2027-01-18")
    other_worker = Jobs(app.extensions["rota.jobs"].directory)
    assert other_worker.get(status["id"]).plan_id == status["plan_id"]


def test_a_job_whose_process_died_is_reported_failed(app, client, world):
    jobs = app.extensions["rota.jobs"]
    jobs.save(Job("deadjob123", world.org_id, START, 1, time_limit=10, started=time.time() - 999))
    login(client, "opsboss")
    status = client.get("/plans/jobs/deadjob123.json").get_json()
    assert status["done"] and "restarted" in status["error"]
    assert jobs.running(world.org_id) is None
    assert client.get("/plans/jobs/..%2Fsecret_key.json").status_code == 404


def test_shifts_of_a_person_who_left_are_flagged_and_a_re_plan_covers_them(
    app, client, world, sessions
):
    from support.builders import web_org, without

    from scheduler.services import departures
    from scheduler.services.importer import import_org

    with sessions() as session:
        rows = session.get(PlanRow, world.plan_id).assignments
        gone = next(a for a in rows if a.start >= NOW)
        key, name = gone.person.key, gone.person.name
    with sessions.begin() as session:
        import_org(session, without(web_org(), key), "test", NOW)
    login(client, "admin")
    for page in (client.get("/plans/").text, client.get(f"/plans/{world.plan_id}").text):
        assert f"1 shift of {name}, who left the org, is uncovered: re-plan from {START}" in page
        assert 'name="start" value="2027-01-04"' in page and 'name="weeks" value="2"' in page
    _, status = _generate(app, client, "2027-01-04", weeks=2)
    assert status["plan_id"], status
    post(client, f"/plans/{status['plan_id']}/publish")
    with sessions() as session:
        assert departures.uncovered_shifts(session, world.org_id, NOW) == []
    assert "uncovered" not in client.get("/plans/").text
