"""Concurrent publishes of one org take turns: two drafts of one quarter published at the same
moment leave exactly one plan live, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading

from support.builders import FAST
from support.world import SAMPLE, START, imported

from scheduler.domain.model import PlanState
from scheduler.services import planning
from scheduler.store import PlanRow

WEEKS = 2


def test_two_drafts_of_one_quarter_published_at_once_leave_one_live(sessions) -> None:
    org_id = imported(sessions)
    drafts = []
    for _ in range(2):
        with sessions.begin() as session:
            made = planning.generate(session, org_id, START, WEEKS, FAST, "manager", SAMPLE.now)
            drafts.append(made.plan.id)
    barrier = threading.Barrier(len(drafts))
    errors: list[BaseException] = []

    def publish(plan_id: int) -> None:
        try:
            with sessions.begin() as session:
                barrier.wait(timeout=30)
                planning.publish(session, plan_id, "manager", SAMPLE.now)
        except BaseException as err:  # surfaced below: a thread's failure must fail the test
            errors.append(err)

    threads = [threading.Thread(target=publish, args=(plan_id,)) for plan_id in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with sessions() as session:
        states = sorted(session.get(PlanRow, plan_id).state for plan_id in drafts)
    assert states == sorted([PlanState.PUBLISHED, PlanState.SUPERSEDED])
