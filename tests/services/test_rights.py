"""Planning rights: managers publish changes to their own teams; admins and planners any."""

from __future__ import annotations

import pytest
from support.world import PAGES

from scheduler.services import accounts, planning, rights
from scheduler.store import AssignmentRow, PlanRow, UserRow

NOW = PAGES.now


@pytest.fixture
def scenario():
    """The web org: Ops and DB, two weekly primaries each, Ops's manager `opsboss`."""
    return PAGES


def _draft(sessions, world, team: str | None) -> int:
    """Store a copy of the live plan as a draft, with `team`'s two weeks traded (if given)."""
    with sessions.begin() as session:
        live = session.get(PlanRow, world.plan_id)
        draft = PlanRow(
            org_id=live.org_id,
            start=live.start,
            weeks=live.weeks,
            version=2,
            state=planning.DRAFT,
            solver_status=live.solver_status,
            created_at=NOW,
            created_by="test",
        )
        draft.assignments = [
            AssignmentRow(
                team_id=a.team_id, role=a.role, start=a.start, end=a.end, person_id=a.person_id
            )
            for a in live.assignments
        ]
        if team is not None:
            first, second = [a for a in draft.assignments if a.team_id == world.teams[team]][:2]
            first.person_id, second.person_id = second.person_id, first.person_id
        session.add(draft)
        session.flush()
        return draft.id


def _user(session, name: str) -> UserRow:
    return accounts.user_by_name(session, name)


def test_a_manager_publishes_a_re_plan_that_changes_only_their_team(sessions, world):
    plan_id = _draft(sessions, world, "ops")
    with sessions.begin() as session:
        plan = session.get(PlanRow, plan_id)
        assert [t.key for t in rights.teams_changed(session, plan)] == ["ops"]
        assert rights.refusal(session, _user(session, "dbboss"), plan) == (
            "You may not change the plans of Ops <i>core</i>: you manage DB only. Publishing "
            "a plan that changes other teams needs an admin or an org planner."
        )
        planning.publish(session, plan_id, "opsboss", NOW, user=_user(session, "opsboss"))
        assert plan.state == planning.PUBLISHED


def test_a_change_to_another_team_needs_an_admin_or_a_planner(sessions, world):
    plan_id = _draft(sessions, world, "db")
    with sessions.begin() as session:
        with pytest.raises(rights.NotAllowed, match="You may not change the plans of DB: you"):
            planning.publish(session, plan_id, "opsboss", NOW, user=_user(session, "opsboss"))
        session.rollback()
    with sessions.begin() as session:
        assert session.get(PlanRow, plan_id).state == planning.DRAFT
        accounts.set_planner(session, "nobody", True, actor="admin", now=NOW)
        nobody = _user(session, "nobody")
        assert (
            rights.may_plan(nobody)
            and rights.refusal(session, nobody, session.get(PlanRow, plan_id)) is None
        )
        planning.publish(session, plan_id, "nobody", NOW, user=nobody)
    with sessions() as session:
        assert session.get(PlanRow, plan_id).state == planning.PUBLISHED
        assert session.get(PlanRow, world.plan_id).state == planning.SUPERSEDED


def test_a_plan_identical_to_the_live_one_changes_no_team(sessions, world):
    plan_id = _draft(sessions, world, None)
    with sessions() as session:
        assert rights.teams_changed(session, session.get(PlanRow, plan_id)) == []
        assert not rights.may_plan(_user(session, "ana"))
