"""Every state-changing route: anonymous 302, forged or missing CSRF 400, wrong team or role 403."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from support.web_support import CSRF, give_csrf, login, post
from support.world import PAGES, shift_of

from scheduler.services import leave, swaps
from scheduler.store import AssignmentRow, PlanRow, SwapRow, TimeOffRow, TokenRow

NOW = PAGES.now


@dataclass(frozen=True)
class Targets:
    """Ids the routes act on: a future Ops shift, an open offer of it, Ana's leave."""

    shift: int
    other_shift: int
    swap: int
    leave: int
    plan: int
    db_team: int


@pytest.fixture
def targets(world, sessions) -> Targets:
    future = shift_of(sessions, "ops", 1, world)
    current = shift_of(sessions, "ops", 0, world)
    with sessions.begin() as session:
        offer = swaps.offer(session, future.id, future.person_id, None, NOW)
        away = leave.add_leave(
            session,
            world.people["ana"],
            datetime(2027, 3, 1, tzinfo=UTC),
            datetime(2027, 3, 5, tzinfo=UTC),
            actor="test",
            now=NOW,
        )
        swap_id, leave_id = offer.id, away.id
    return Targets(
        shift=future.id,
        other_shift=current.id,
        swap=swap_id,
        leave=leave_id,
        plan=world.plan_id,
        db_team=world.teams["db"],
    )


# (route name, URL, form) for each state-changing route of the UI.
def routes(t: Targets, world) -> dict[str, tuple[str, dict]]:
    return {
        "offer": (f"/shifts/{t.shift}/offer", {"to_person_id": ""}),
        "trade": (f"/shifts/{t.shift}/trade", {"other_assignment_id": t.other_shift}),
        "accept": (f"/swaps/{t.swap}/accept", {}),
        "decline": (f"/swaps/{t.swap}/decline", {}),
        "cancel": (f"/swaps/{t.swap}/cancel", {}),
        "approve": (f"/swaps/{t.swap}/approve", {}),
        "refuse": (f"/swaps/{t.swap}/refuse", {}),
        "leave": (
            "/leave",
            {"person_id": world.people["ana"], "first": "2027-02-01", "last": "2027-02-02"},
        ),
        "leave_delete": (f"/leave/{t.leave}/delete", {}),
        "generate": ("/plans/generate", {"start": "2027-01-18", "weeks": "1"}),
        "publish": (f"/plans/{t.plan}/publish", {}),
        "rotate_feed": ("/me/feeds/rotate", {"subject": "person"}),
        "logout": ("/logout", {}),
    }


ROUTES = [
    "offer",
    "trade",
    "accept",
    "decline",
    "cancel",
    "approve",
    "refuse",
    "leave",
    "leave_delete",
    "generate",
    "publish",
    "rotate_feed",
    "logout",
]

# Who may not: (route, username) -> 403.
FORBIDDEN = [
    ("offer", "olga"),  # not their shift (another team)
    ("offer", "admin"),  # not on a rotation at all
    ("trade", "olga"),
    ("accept", "olga"),  # an open offer of Ops, Olga is on DB
    ("accept", "nobody"),
    ("decline", "olga"),
    ("cancel", "olga"),  # only who made the offer withdraws it
    ("approve", "dbboss"),  # manages DB, not Ops
    ("approve", "ana"),  # an engineer
    ("refuse", "dbboss"),
    ("leave", "dbboss"),  # Ana is on Ops
    ("leave", "ben"),  # a teammate, not a manager
    ("leave_delete", "dbboss"),
    ("leave_delete", "ben"),
    ("generate", "ana"),  # engineers do not plan
    ("generate", "nobody"),
    ("publish", "ana"),
]


@pytest.mark.parametrize("name", ROUTES)
def test_anonymous_is_sent_to_sign_in(client, targets, world, name):
    url, form = routes(targets, world)[name]
    give_csrf(client)
    response = post(client, url, form)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("name", ROUTES)
def test_missing_or_forged_csrf_is_400(client, targets, world, sessions, name):
    url, form = routes(targets, world)[name]
    login(client, "admin")
    before = _state(sessions)
    assert client.post(url, data=form).status_code == 400
    assert client.post(url, data={**form, "csrf_token": "forged"}).status_code == 400
    assert client.post(url, data=form, headers={"X-CSRF-Token": CSRF + "x"}).status_code == 400
    assert _state(sessions) == before


@pytest.mark.parametrize(("name", "user"), FORBIDDEN)
def test_wrong_team_or_role_is_403(client, targets, world, sessions, name, user):
    url, form = routes(targets, world)[name]
    login(client, user)
    before = _state(sessions)
    assert post(client, url, form).status_code == 403
    assert _state(sessions) == before


def test_a_team_feed_of_another_team_is_403(client, targets, world):
    login(client, "ana")
    response = post(client, "/me/feeds/rotate", {"subject": f"team:{targets.db_team}"})
    assert response.status_code == 403


@pytest.mark.parametrize("url", ["/plans/", "/audit"])
def test_manager_pages_are_403_for_engineers(client, world, url):
    login(client, "ana")
    assert client.get(url).status_code == 403


def test_the_csrf_header_works_for_scripts(client, targets, world):
    login(client, "admin")
    response = client.post(
        "/me/feeds/rotate",
        data={"subject": f"team:{targets.db_team}"},
        headers={"X-CSRF-Token": CSRF},
    )
    assert response.status_code == 200


def _state(sessions) -> list:
    """Everything a refused request must leave alone: swaps, shifts' holders, leave, plans."""
    with sessions() as session:
        return [
            sorted(session.execute(select(SwapRow.id, SwapRow.status)).all()),
            sorted(session.execute(select(AssignmentRow.id, AssignmentRow.person_id)).all()),
            sorted(session.execute(select(TimeOffRow.id, TimeOffRow.start)).all()),
            sorted(session.execute(select(PlanRow.id, PlanRow.state)).all()),
            sorted(session.execute(select(TokenRow.id, TokenRow.revoked_at)).all()),
        ]
