"""Authorisation by organisation: a manager of another org sees and changes nothing of ours."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from support.builders import FAST, build_small_team_org
from support.web_support import login, post
from support.world import PAGES, START, password_hash

from scheduler.domain.model import PlanState
from scheduler.services import accounts
from scheduler.services.importer import import_org
from scheduler.services.planning import generate
from scheduler.store import OrgRow, PlanRow

NOW = PAGES.now


@pytest.fixture
def evil(world, sessions) -> tuple[int, str]:
    """Import a second org, Evil, with a manager who is no person.

    Return the id of a draft of our org and the Evil manager's API token.
    """
    with sessions.begin() as session:
        import_org(session, build_small_team_org(3, name="Evil"), "test", NOW)
        user = accounts.add_user(
            session,
            "evilboss",
            None,
            manages=("ops",),
            org_id=_org_id(session, "Evil"),
            actor="test",
            now=NOW,
        )
        user.password_hash = password_hash()
        api = accounts.issue_token(session, "api", user_id=user.id, now=NOW)
        draft = generate(session, world.org_id, START, 2, FAST, "test", NOW)
        assert draft.plan is not None
        draft_id = draft.plan.id
    return draft_id, api


def _org_id(session, name: str) -> int:
    return session.scalar(select(OrgRow.id).where(OrgRow.name == name))


def test_a_manager_of_another_org_cannot_list_or_publish_our_plans(client, world, sessions, evil):
    draft_id, _ = evil
    login(client, "evilboss")
    listing = client.get("/plans/")
    assert listing.status_code == 200
    assert f"/plans/{world.plan_id}" not in listing.text
    assert f"/plans/{draft_id}" not in listing.text
    assert client.get(f"/plans/{world.plan_id}").status_code == 404
    assert post(client, f"/plans/{draft_id}/publish").status_code == 404
    with sessions() as session:
        assert session.get(PlanRow, draft_id).state == PlanState.DRAFT


def test_a_manager_of_another_org_sees_none_of_our_fairness_or_audit(client, world, evil):
    login(client, "evilboss")
    assert client.get(f"/fairness/?plan={world.plan_id}").status_code == 404
    assert client.get(f"/fairness/chart.png?plan={world.plan_id}").status_code == 404
    assert client.get("/fairness/db").status_code == 404
    audit = client.get("/audit")
    assert audit.status_code == 200
    assert "plan.publish" not in audit.text and "plan.generate" not in audit.text
    assert "Olga" not in client.get("/fairness/").text


def test_our_manager_still_sees_our_audit_log(client, world, evil):
    login(client, "opsboss")
    assert "plan.publish" in client.get("/audit").text


def test_the_api_answers_a_manager_of_another_org_with_their_org_only(client, world, evil):
    _, token = evil
    headers = {"Authorization": f"Bearer {token}"}
    oncall = client.get("/api/v1/oncall", headers=headers)
    assert oncall.status_code == 200
    assert len(oncall.json["teams"]) == 1
    assert "Olga" not in oncall.text and "Ana" not in oncall.text
    assert client.get("/api/v1/teams/db/shifts", headers=headers).status_code == 404
    assert client.get("/api/v1/people/ana/shifts", headers=headers).status_code == 404


def test_a_user_of_no_org_sees_no_org(client, world):
    login(client, "nobody")
    assert "Olga" not in client.get("/").text
    assert client.get("/fairness/").status_code in (200, 404)
    assert "Olga" not in client.get("/fairness/").text
