"""Plans in the database: drafts, versions, publishing, who is on call, and surviving restarts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from support.builders import FAST, team_org
from support.database import worker_schema
from support.world import SAMPLE, START, imported

from scheduler import store
from scheduler.domain import rules
from scheduler.domain.shifts import local_midnight
from scheduler.services import oncall, planning
from scheduler.services.planning import PlanError

NOW = SAMPLE.now
WEEKS = 3


def generate(sessions, org_id: int, start: date = START, weeks: int = WEEKS) -> int:
    with sessions.begin() as session:
        generated = planning.generate(session, org_id, start, weeks, FAST, "manager", NOW)
        assert generated.plan is not None, generated.explanation
        return generated.plan.id


def publish(sessions, plan_id: int) -> None:
    with sessions.begin() as session:
        planning.publish(session, plan_id, "manager", NOW)


def test_generate_stores_a_valid_draft_with_its_fairness_figures(sessions):
    org_id = imported(sessions)
    with sessions.begin() as session:
        generated = planning.generate(session, org_id, START, WEEKS, FAST, "manager", NOW)
        row = generated.plan
        assert generated.explanation == []
        assert (row.state, row.version, row.start, row.weeks) == ("draft", 1, START, WEEKS)
        assert row.solver_status in ("OPTIMAL", "FEASIBLE")
        assert row.created_by == "manager" and row.created_at == NOW
        assert len(row.assignments) == WEEKS * 2  # weekly primary and secondary
        assert row.max_load_ratio == pytest.approx(generated.report.max_load_ratio)
        assert row.lower_bound is not None
        assert row.lower_bound <= row.max_load_ratio + 1e-9
        plan_id = row.id
    with sessions() as session:
        problem, plan = store.problem_for_plan(session, session.get(store.PlanRow, plan_id))
        assert rules.check(problem, plan) == []
        report = planning.fairness_of(session, plan_id)
        assert report.max_load_ratio == pytest.approx(generated.report.max_load_ratio)
        assert report.lower_bound == row.lower_bound
        audit = session.scalars(
            select(store.AuditRow).where(store.AuditRow.action == "plan.generate")
        ).one()
        assert audit.entity_id == str(plan_id) and audit.after["assignments"] == WEEKS * 2


def test_versions_count_up_per_horizon(sessions):
    org_id = imported(sessions)
    first, second = generate(sessions, org_id), generate(sessions, org_id)
    later = generate(sessions, org_id, START + timedelta(weeks=WEEKS), 2)
    with sessions() as session:
        versions = [session.get(store.PlanRow, n).version for n in (first, second, later)]
    assert versions == [1, 2, 1]


def test_publish_supersedes_the_live_version_and_keeps_it(sessions):
    org_id = imported(sessions)
    first, second = generate(sessions, org_id), generate(sessions, org_id)
    publish(sessions, first)
    publish(sessions, second)
    with sessions() as session:
        states = {n: session.get(store.PlanRow, n).state for n in (first, second)}
        assert states == {first: "superseded", second: "published"}
        assert [p.id for p in planning.published_plans(session, org_id)] == [second]
        assert session.get(store.PlanRow, second).published_at == NOW
        assert len(session.get(store.PlanRow, first).assignments) == WEEKS * 2
        actions = session.scalars(select(store.AuditRow.action)).all()
        assert actions.count("plan.publish") == 2 and actions.count("plan.supersede") == 1


@pytest.mark.parametrize("which", ["published", "superseded", "missing"])
def test_only_a_draft_is_published(sessions, which):
    org_id = imported(sessions)
    first, second = generate(sessions, org_id), generate(sessions, org_id)
    publish(sessions, first)
    if which == "superseded":
        publish(sessions, second)
    target = {"published": first if which == "published" else second, "missing": 999}
    plan_id = target.get(which, first)
    with pytest.raises(PlanError), sessions.begin() as session:
        planning.publish(session, plan_id, "manager", NOW)


def test_on_call_answers_from_published_plans_only(sessions):
    org_id = imported(sessions)
    plan_id = generate(sessions, org_id)
    # Monday 11 January 2027, 15:00 in New York: the second week of the plan.
    at = datetime(2027, 1, 11, 20, tzinfo=UTC)
    with sessions() as session:
        assert oncall.on_call(session, org_id, at) == []  # a draft pages nobody
    publish(sessions, plan_id)
    with sessions() as session:
        crew = oncall.on_call(session, org_id, at)
        expected = session.scalars(
            select(store.AssignmentRow).where(
                store.AssignmentRow.plan_id == plan_id,
                store.AssignmentRow.start <= at,
                store.AssignmentRow.end > at,
            )
        ).all()
        assert [c.role for c in crew] == ["primary", "secondary"]
        assert {c.person_key for c in crew} == {a.person.key for a in expected}
        first = crew[0]
        assert first.team_key == "checkout" and first.team_name == "Checkout"
        assert first.start == datetime(2027, 1, 11, 15, tzinfo=UTC)  # Monday 10:00 New York
        assert first.end == datetime(2027, 1, 18, 15, tzinfo=UTC)
        assert first.runbook == "https://wiki.checkout.example/runbook"
        assert first.services == ("cart", "checkout-api")
        assert first.person_name in {p.name for p in team_org().people}
        # The handoff instant belongs to the incoming crew.
        handoff = oncall.on_call(session, org_id, first.end)
        assert handoff and all(c.start == first.end for c in handoff)
        assert oncall.on_call(session, org_id, datetime(2026, 12, 1, tzinfo=UTC)) == []
        nxt = oncall.next_on_call(session, org_id, at)
        assert nxt and all(c.start == first.end for c in nxt)


def test_a_plan_overlapping_a_live_one_of_another_start_is_refused(sessions):
    # Two live crews for one shift would page two people and give a feed two events with one
    # UID: a plan from the third week of a live quarter is refused, and nothing changes.
    org_id = imported(sessions)
    quarter = generate(sessions, org_id, START, 4)
    publish(sessions, quarter)
    overlapping = generate(sessions, org_id, START + timedelta(weeks=2), 2)
    with pytest.raises(PlanError, match=r"overlaps the live plan .*re-plan from 2027-01-04"):
        publish(sessions, overlapping)
    after = generate(sessions, org_id, START + timedelta(weeks=4), 2)
    publish(sessions, after)  # starting where the live plan ends is fine
    with sessions() as session:
        states = {p: session.get(store.PlanRow, p).state for p in (quarter, overlapping, after)}
        assert states == {quarter: "published", overlapping: "draft", after: "published"}
        week3 = datetime(2027, 1, 20, tzinfo=UTC)
        assert planning.plan_covering(session, org_id, week3).id == quarter
        assert len(oncall.on_call(session, org_id, week3)) == 2


def test_published_shifts_before_the_horizon_count_as_history(sessions):
    org_id = imported(sessions)
    plan_id = generate(sessions, org_id)
    publish(sessions, plan_id)
    with sessions() as session:
        published = {
            (a.person.key, a.role, a.start) for a in session.get(store.PlanRow, plan_id).assignments
        }
        nxt = planning.next_quarter_start(session, org_id, date(2026, 11, 26))
        assert nxt == START + timedelta(weeks=WEEKS)
        problem = planning.build_problem(session, org_id, nxt, 2)
    history = {(h.person, h.role, h.shift.start) for h in problem.org.history}
    assert published <= history


def test_imported_history_from_the_start_on_is_left_out(sessions):
    org_id = imported(sessions)
    with sessions() as session:
        everything = planning.build_problem(session, org_id, START, 2).org.history
        day = sorted(h.shift.start for h in everything)[len(everything) // 2].date()
        problem = planning.build_problem(session, org_id, day, 2)
    kept, org = problem.org.history, problem.org
    assert 0 < len(kept) < len(everything)
    assert all(h.shift.start < local_midnight(day, org.team(h.shift.team).timezone) for h in kept)


def test_next_quarter_start_without_plans_is_the_next_monday(sessions):
    org_id = imported(sessions)
    with sessions() as session:
        assert planning.next_quarter_start(session, org_id, date(2026, 11, 26)) == date(
            2026, 11, 30
        )
        assert planning.next_quarter_start(session, org_id, date(2026, 11, 30)) == date(2026, 12, 7)


def test_no_plan_stores_nothing_and_says_why(sessions):
    # Two people cannot staff a rotation that needs six (min_roster).
    org_id = imported(
        sessions,
        team_org(
            (
                "members: [ada, barbara, dennis, edsger, frances, grace, ken, radia]",
                "members: [ada, barbara]",
            )
        ),
    )
    with sessions.begin() as session:
        generated = planning.generate(session, org_id, START, WEEKS, FAST, "manager", NOW)
    assert generated.plan is None and generated.report is None
    assert generated.explanation and any("roster" in s for s in generated.explanation)
    with sessions() as session:
        assert session.scalars(select(store.PlanRow)).all() == []


def test_a_restart_loses_nothing_that_was_committed(engine, db_url):
    sessions = store.session_factory(engine)
    org_id = imported(sessions)
    plan_id = generate(sessions, org_id)
    publish(sessions, plan_id)
    at = datetime(2027, 1, 11, 20, tzinfo=UTC)
    with sessions() as session:
        before = oncall.on_call(session, org_id, at)
    engine.dispose()  # the server stops: every connection closes

    restarted = store.make_engine(db_url, schema=worker_schema(db_url))
    try:
        store.migrate(restarted)  # what a starting server does; it must not lose data
        with store.session_factory(restarted)() as session:
            assert oncall.on_call(session, org_id, at) == before
            row = session.get(store.PlanRow, plan_id)
            assert row.state == "published" and len(row.assignments) == WEEKS * 2
            assert len(store.org_from_rows(session, row_org(session, row)).people) == 8
    finally:
        restarted.dispose()


def row_org(session, plan_row):
    return session.get(store.OrgRow, plan_row.org_id)


def test_replanning_a_live_quarter_keeps_the_shifts_that_have_started(sessions):
    org_id = imported(sessions)
    plan_id = generate(sessions, org_id)
    publish(sessions, plan_id)
    with sessions() as session:
        live = session.get(store.PlanRow, plan_id)
        midway = min(a.start for a in live.assignments) + timedelta(days=8)
        started = {
            (a.team_id, a.start, a.role): a.person_id for a in live.assignments if a.start < midway
        }
    assert started
    with sessions.begin() as session:  # those on call so far become part-timers: a fresh plan
        for person_id in set(started.values()):  # would now give their shifts to others
            session.get(store.PersonRow, person_id).fte = 0.2
    with sessions.begin() as session:
        replanned = planning.generate(session, org_id, START, WEEKS, FAST, "manager", midway)
        assert replanned.plan is not None, replanned.explanation
        kept = {
            (a.team_id, a.start, a.role): a.person_id
            for a in replanned.plan.assignments
            if a.start < midway
        }
    assert kept == started


def test_publish_refuses_a_draft_that_new_leave_breaks_and_says_what_to_do(sessions):
    from scheduler.services import leave

    org_id = imported(sessions)
    draft = generate(sessions, org_id)
    with sessions.begin() as session:
        row = session.get(store.PlanRow, draft)
        taken = min(row.assignments, key=lambda a: a.start)
        person_id, name, first = taken.person_id, taken.person.name, taken.start
        leave.add_leave(
            session, person_id, first, first + timedelta(days=2), actor="manager", now=NOW
        )
    with sessions() as session, pytest.raises(planning.StaleDraft) as refused:
        planning.publish(session, draft, "manager", NOW)
    assert refused.value.sentences and all(name in s for s in refused.value.sentences)
    assert "on leave" in refused.value.sentences[0]
    assert f"Re-plan {WEEKS} weeks from {START}" in str(refused.value)
    with sessions() as session:
        assert session.get(store.PlanRow, draft).state == "draft"  # nothing changed
        assert planning.published_plans(session, org_id) == []


def test_publish_ignores_new_leave_over_shifts_that_have_started(sessions):
    from scheduler.services import leave

    org_id = imported(sessions)
    draft = generate(sessions, org_id)
    with sessions.begin() as session:
        taken = min(session.get(store.PlanRow, draft).assignments, key=lambda a: a.start)
        person_id, first = taken.person_id, taken.start
        leave.add_leave(session, person_id, first, first + timedelta(hours=1), actor="m", now=NOW)
    with sessions.begin() as session:  # a week later, that shift is history
        planning.publish(session, draft, "manager", first + timedelta(days=1))
        assert session.get(store.PlanRow, draft).state == "published"
