"""Training carries over between published plans, and re-importing the org file keeps it."""

from __future__ import annotations

from datetime import timedelta

from support.builders import FAST, team_org
from support.world import SAMPLE, START, imported, publish_plan

from scheduler.domain.model import Trainee
from scheduler.services import planning
from scheduler.services.importer import import_org
from scheduler.services.training import training_status

WEEKS = 3
KEN = ("timezone: America/Los_Angeles}", "timezone: America/Los_Angeles, trainee: {shadows: 1}}")


def test_a_trainee_trained_in_one_published_quarter_is_trained_in_the_next(sessions):
    org_id = imported(sessions, team_org(KEN))
    before = SAMPLE.now
    with sessions.begin() as session:
        plan_id = publish_plan(session, org_id, START, WEEKS, before)
        shadow = next(
            a for a in session.get(planning.PlanRow, plan_id).assignments if a.role == "shadow"
        )
        assert shadow.person.key == "ken"
        status = training_status(session, org_id, before)
        assert status["ken"].sentence() == "trainee: 0 of 1 shadow shifts done"
    after = shadow.end + timedelta(hours=1)
    with sessions.begin() as session:
        # Re-importing the file, which still says `trainee`, resets nothing.
        import_org(session, team_org(KEN), "test", after)
    nxt = START + timedelta(weeks=WEEKS)
    with sessions() as session:
        status = training_status(session, org_id, after)
        assert status["ken"].trained
        assert status["ken"].sentence() == f"trained on {shadow.end.date()}"
        problem = planning.build_problem(session, org_id, nxt, 2)
        assert not problem.org.person("ken").is_trainee
        # The plan it was drafted from still sees him as the trainee he was then.
        first = planning.build_problem(session, org_id, START, WEEKS)
        assert first.org.person("ken").trainee == Trainee(shadows=1)
    with sessions.begin() as session:
        generated = planning.generate(session, org_id, nxt, 2, FAST, "test", after)
        assert generated.plan is not None, generated.explanation
        assert not [a for a in generated.plan.assignments if a.role == "shadow"]
