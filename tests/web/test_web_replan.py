"""Re-planning a live quarter from the web: leave over one week changes only that week's
assignments and their repairs, an accepted swap survives, and the page lists the changes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from support.builders import swap_org
from support.swap_fixtures import week
from support.web_support import login, post
from support.world import Scenario, shifts

from scheduler.domain import rules
from scheduler.services import leave, planning, swaps
from scheduler.services.swaps import SwapRefused
from scheduler.store import AssignmentRow, PlanRow, problem_for_plan

NOW = datetime.fromisoformat("2027-01-03T12:00+00:00")
REPLAN = Scenario(
    swap_org,
    weeks=4,
    now=NOW,
    accounts={"opsboss": {"manages": ("ops",)}, "admin": {"is_admin": True}},
)


@pytest.fixture
def scenario() -> Scenario:
    """Ops (primary, secondary, a week's rest, trainee Tia) and DB, four weeks ahead."""
    return REPLAN


def _swap_db_week(sessions, world) -> tuple[int, int]:
    """Hand DB's second primary shift to the first teammate the rules allow; return
    (assignment id, taker id)."""
    with sessions() as session:
        row = shifts(session, world, "db")[1]
        assignment_id, holder = row.id, row.person_id
    for key in ("olga", "pia", "quinn", "ana"):
        taker = world.people[key]
        if taker == holder:
            continue
        try:
            with sessions.begin() as session:
                offer = swaps.offer(session, assignment_id, holder, taker, NOW)
                swaps.accept(session, offer.id, taker, NOW)
            return assignment_id, taker
        except SwapRefused:
            continue
    raise AssertionError("no teammate could take DB's second week")


def test_leave_over_a_live_week_changes_only_it_and_keeps_the_swap(app, client, world, sessions):
    swapped, taker = _swap_db_week(sessions, world)
    with sessions.begin() as session:
        hit = next(r for r in shifts(session, world, "ops", "primary") if week(r) == 2)
        who, hit_key = hit.person_id, (hit.team_id, hit.start, hit.role)
        start, end = leave.whole_days(hit.start.date(), hit.start.date() + timedelta(1), "UTC")
        leave.add_leave(session, who, start, end, actor="t", now=NOW)
    login(client, "admin")
    response = post(client, "/plans/generate", {"start": "2027-01-04", "weeks": "4"})
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    assert app.extensions["rota.jobs"].wait(job_id, timeout=60).done
    status = client.get(f"/plans/jobs/{job_id}.json").get_json()
    assert status["plan_id"], status
    with sessions() as session:
        draft = session.get(PlanRow, status["plan_id"])
        assert rules.check(*problem_for_plan(session, draft)) == []
        live = {(a.team_id, a.start, a.role): a.person_id for a in shifts(session, world)}
        after = {(a.team_id, a.start, a.role): a.person_id for a in draft.assignments}
        moved = sorted(k for k in live if after.get(k) != live[k])
        swap_row = session.get(AssignmentRow, swapped)
        swap_key = (swap_row.team_id, swap_row.start, swap_row.role)
        names = {a.person_id: a.person.name for a in draft.assignments}
    # The swap is part of the live plan and survives; the week on leave changes hands.
    assert after[swap_key] == taker
    assert hit_key in moved and after[hit_key] != who
    # Only what the leave forces, and its repairs: one free teammate can take the week, and
    # the fairness tolerance allows at most a short chain of moves, never a re-deal.
    assert len(moved) <= 3, moved
    page = client.get(status["plan_url"]).text
    count = len(moved)
    assert f"{count} assignment{'' if count == 1 else 's'} change" in page
    week_of = hit_key[1].date().isoformat()
    sentence = f"week of {week_of}, ops primary: {names.get(who, 'Ana')}"
    assert sentence.split(": ")[0] in page
    assert page.count('class="cell-changed"') == count
    assert "weekgrid" in page and "Shifts" not in page


def test_the_draft_page_of_a_new_quarter_shows_the_grid_without_changes(
    app, client, world, sessions
):
    login(client, "admin")
    response = post(client, "/plans/generate", {"start": "2027-02-01", "weeks": "2"})
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    assert app.extensions["rota.jobs"].wait(job_id, timeout=60).done
    status = client.get(f"/plans/jobs/{job_id}.json").get_json()
    page = client.get(status["plan_url"]).text
    assert "weekgrid" in page and "01 Feb" in page and "08 Feb" in page
    assert 'class="cell-changed"' not in page and "assignments change" not in page
    with sessions() as session:
        rows = session.scalars(
            select(AssignmentRow).where(AssignmentRow.plan_id == status["plan_id"])
        )
        for name in {r.person.name.split()[0] for r in rows}:
            assert name in page


def test_after_a_swap_every_page_shows_the_ratio_of_the_current_assignments(
    client, world, sessions
):
    _swap_db_week(sessions, world)
    with sessions.begin() as session:
        session.get(PlanRow, world.plan_id).max_load_ratio = 9.99  # a stale figure, never shown
    with sessions() as session:
        live = planning.fairness_of(session, world.plan_id).max_load_ratio
    shown = f"{live:.2f}"
    login(client, "admin")
    listed = client.get("/plans/").text
    row = listed.split("v1</td>")[1].split("</tr>")[0]
    assert f'<td class="num">{shown}</td>' in row
    page = client.get(f"/plans/{world.plan_id}").text
    assert f'<td class="num">{shown}</td>' in page
    fairness = client.get("/fairness/").text
    assert f"<strong>{shown}</strong>" in fairness
    assert all("9.99" not in text for text in (listed, page, fairness))
    # The fairness page says where the trainee stands: nothing has ended yet.
    assert "(trainee: 0 of 1 shadow shifts done, 0 of 1 secondary shifts done)" in fairness
    login(client, "tia")
    mine = client.get("/me/shifts").text
    assert "Training: trainee: 0 of 1 shadow shifts done, 0 of 1 secondary shifts done." in mine
