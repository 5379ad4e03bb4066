"""The JSON API: bearer tokens, on call now and per service, shifts, leave and swaps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from support.world import API, Scenario, shifts

from scheduler.services import accounts
from scheduler.store import AssignmentRow, AuditRow, TeamRow, TimeOffRow

NOW = API.now


@pytest.fixture
def scenario() -> Scenario:
    return API


@pytest.fixture
def week(sessions, world) -> dict[str, AssignmentRow]:
    """The plan's shifts by holder (each person holds at most one in three weeks)."""
    with sessions() as session:
        return {a.person.key: a for a in shifts(session, world)}


class Api:
    """Call the API as one user."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **kwargs):
        return self.client.get("/api/v1" + path, headers=self.headers, **kwargs)

    def post(self, path: str, body=None, **kwargs):
        return self.client.post("/api/v1" + path, headers=self.headers, json=body, **kwargs)


@pytest.fixture
def as_user(client, world):
    return lambda name: Api(client, world.api[name])


def assert_error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert isinstance(body["error"], str) and body["message"]
    if field is not None:
        assert body.get("field") == field, body
    return body


# --- authentication ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic YWRhOnBhc3N3b3JkMTIz"},
        {"Authorization": "Bearer " + "x" * 5000},
    ],
    ids=["none", "empty", "unknown", "basic", "huge"],
)
def test_requests_without_a_valid_token_are_401_json(client, headers):
    for path in ("/api/v1/oncall", "/api/v1/swaps"):
        response = client.get(path, headers=headers)
        assert_error(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(client.post("/api/v1/leave", headers=headers, json={}), 401)


def test_feed_tokens_and_revoked_tokens_do_not_open_the_api(client, world, sessions):
    assert_error(Api(client, world.person_feeds["ada"]).get("/oncall"), 401)
    with sessions.begin() as session:
        (token,) = accounts.active_tokens(session, "api", user_id=_user_id(session, "ada"))
        accounts.revoke_token(session, token.id, now=NOW)
    assert_error(Api(client, world.api["ada"]).get("/oncall"), 401)


def test_a_session_cookie_does_not_authenticate_the_api(client, world):
    # The API skips CSRF checks because it ignores cookies: a signed-in browser gets 401.
    client.post("/login", data={"username": "ada", "password": "password123"})
    assert_error(client.get("/api/v1/oncall"), 401)
    assert_error(client.post("/api/v1/leave", json={"start": "2027-02-01", "end": "x"}), 401)


def test_the_openapi_document_is_public_and_names_the_bearer_scheme(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.0")
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert {"/oncall", "/leave", "/swaps", "/swaps/{swap_id}/accept"} <= set(doc["paths"])


def test_unknown_routes_and_methods_answer_json(as_user):
    api = as_user("ada")
    assert_error(api.get("/nowhere"), 404)
    assert_error(api.get("/swaps/abc/accept"), 404)
    for method in ("delete", "put", "post"):
        response = getattr(api.client, method)("/api/v1/oncall", headers=api.headers)
        assert_error(response, 405)
        assert response.headers["Allow"]


def test_an_undocumented_query_parameter_is_400_naming_it(as_user):
    api = as_user("ada")
    body = assert_error(api.get("/leave?frm=2027-01-01"), 400, "frm")
    assert "expected one of: from, kind, person, to" in body["message"]
    assert_error(api.get("/oncall/service/search?if=false"), 400, "if")
    assert api.get("/leave?from=2027-01-01").status_code == 200


# --- on call -------------------------------------------------------------------------------


def test_on_call_now_lists_each_teams_crew(as_user):
    body = as_user("ada").get("/oncall").get_json()
    assert body["at"] == "2027-01-05T12:00:00Z"
    (crew,) = body["teams"]
    assert crew["team"]["key"] == "checkout"
    assert [(e["role"], e["person"]["key"]) for e in crew["oncall"]] == [
        ("primary", "ken"),
        ("secondary", "ada"),
    ]


def test_on_call_at_a_given_time(as_user):
    api = as_user("ada")
    week2 = api.get("/oncall?at=2027-01-12T00:00:00%2B01:00").get_json()
    assert [e["person"]["key"] for e in week2["teams"][0]["oncall"]] == ["frances", "barbara"]
    before = api.get("/oncall", query_string={"at": "2026-06-01"}).get_json()
    assert before["teams"][0]["oncall"] == []
    for bad in ("yesterday", "2027-13-01", "0001-01-01T00:00:00+05:00", "9" * 400):
        assert_error(api.get("/oncall", query_string={"at": bad}), 400, "at")


def test_on_call_for_a_service_names_the_team_and_runbook(as_user):
    body = as_user("manager").get("/oncall/service/checkout-api").get_json()
    assert body["service"] == "checkout-api"
    assert body["team"]["runbook"] == "https://wiki.checkout.example/runbook"
    assert body["oncall"][0] == {
        "role": "primary",
        "person": {"key": "ken", "name": "Ken Thompson"},
        "start": "2027-01-04T15:00:00Z",
        "end": "2027-01-11T15:00:00Z",
    }
    assert_error(as_user("ada").get("/oncall/service/search-api"), 404, "service")


# --- shifts --------------------------------------------------------------------------------


def test_team_shifts_in_a_range(as_user):
    api = as_user("ada")
    body = api.get("/teams/checkout/shifts?from=2027-01-11T15:00Z&to=2027-01-18").get_json()
    assert body["team"]["key"] == "checkout"
    assert [(s["role"], s["person"]["key"]) for s in body["shifts"]] == [
        ("primary", "frances"),
        ("secondary", "barbara"),
    ]
    # Without a range: from now on, the current week included.
    assert len(api.get("/teams/checkout/shifts").get_json()["shifts"]) == 6


def test_person_shifts_in_a_range(as_user):
    api = as_user("barbara")
    shifts_ = api.get("/people/barbara/shifts?from=2027-01-01").get_json()["shifts"]
    assert [(s["team"], s["start"], s["end"]) for s in shifts_] == [
        ("checkout", "2027-01-11T15:00:00Z", "2027-01-18T15:00:00Z")
    ]
    assert api.get("/people/barbara/shifts?from=2027-01-19").get_json()["shifts"] == []


def test_shift_queries_reject_bad_ranges_and_unknown_names(as_user):
    api = as_user("ada")
    assert_error(api.get("/teams/nope/shifts"), 404, "key")
    assert_error(api.get("/people/nope/shifts"), 404, "key")
    assert_error(api.get("/teams/checkout/shifts?from=2027-02-01&to=2027-01-01"), 400, "to")
    assert_error(api.get("/teams/checkout/shifts?from=soon"), 400, "from")
    assert_error(api.get("/people/ada/shifts?to=2027-01-01T25:00"), 400, "to")


# --- leave ---------------------------------------------------------------------------------


def test_engineers_record_their_own_leave_and_see_the_shifts_it_hits(as_user, sessions):
    api = as_user("barbara")
    response = api.post("/leave", {"start": "2027-01-12", "end": "2027-01-13", "note": "dentist"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    # Whole days in Barbara's time zone (New York), the end day included.
    assert (body["start"], body["end"]) == ("2027-01-12T05:00:00Z", "2027-01-14T05:00:00Z")
    assert body["person"]["key"] == "barbara" and body["kind"] == "leave"
    assert [c["start"] for c in body["conflicts"]] == ["2027-01-11T15:00:00Z"]
    with sessions() as session:
        row = session.get(TimeOffRow, body["id"])
        assert row.source == "api" and row.note == "dentist"
        assert session.scalars(select(AuditRow).where(AuditRow.action == "leave.create")).all()
    listed = api.get("/leave?from=2027-01-01").get_json()["leave"]
    assert [entry["id"] for entry in listed] == [body["id"]]


def test_leave_with_times_and_an_avoid_request(as_user):
    api = as_user("ada")
    timed = api.post("/leave", {"start": "2027-03-01T09:00", "end": "2027-03-01T17:00+00:00"})
    assert timed.status_code == 201
    assert timed.get_json()["start"] == "2027-03-01T14:00:00Z"  # 09:00 in New York
    avoid = api.post("/leave", {"start": "2027-03-02", "end": "2027-03-02", "kind": "avoid"})
    assert avoid.status_code == 201 and avoid.get_json()["kind"] == "avoid"
    assert [
        e["kind"] for e in api.get("/leave?kind=avoid&from=2027-01-01").get_json()["leave"]
    ] == ["avoid"]


def test_managers_record_leave_for_their_team_and_engineers_cannot(as_user):
    body = {"person": "grace", "start": "2027-02-01", "end": "2027-02-02"}
    assert as_user("manager").post("/leave", body).status_code == 201
    assert_error(as_user("ada").post("/leave", body), 403)
    assert_error(as_user("ada").get("/leave?person=grace"), 403)
    listed = as_user("manager").get("/leave?person=grace&from=2027-01-01&to=2027-02-07")
    assert [e["start"] for e in listed.get_json()["leave"]] == ["2027-02-01T05:00:00Z"]
    assert_error(as_user("manager").post("/leave", {**body, "person": "nobody"}), 404, "person")
    assert_error(as_user("nobody").post("/leave", {"start": "2027-02-01", "end": "2027-02-01"}),
                 400, "person")  # fmt: skip


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"end": "2027-02-01"}, "start"),
        ({"start": "2027-02-01"}, "end"),
        ({"start": "2027-02-05", "end": "2027-02-01"}, "end"),
        ({"start": "2027-02-01T10:00Z", "end": "2027-02-01T10:00Z"}, "end"),
        ({"start": 20270201, "end": "2027-02-01"}, "start"),
        ({"start": "2027-02-30", "end": "2027-03-01"}, "start"),
        ({"start": "0001-01-01", "end": "2027-03-01"}, "start"),
        ({"start": "0001-01-01T00:00:00Z", "end": "2027-03-01"}, "start"),
        ({"start": "2027-02-01", "end": "2201-01-01"}, "end"),
        ({"start": "2027-02-01", "end": "2027-02-01", "kind": "holiday"}, "kind"),
        ({"start": "2027-02-01", "end": "2027-02-01", "note": "x" * 501}, "note"),
        ({"start": "2027-02-01", "end": "2027-02-01", "person": ["ada"]}, "person"),
        ({"start": "2027-02-01", "end": "2027-02-01", "days": 3}, "days"),
        ([], "body"),
        ("2027-02-01", "body"),
        (None, "body"),
    ],
)
def test_invalid_leave_is_400_naming_the_field(as_user, sessions, body, field):
    assert_error(as_user("ada").post("/leave", body), 400, field)
    with sessions() as session:
        assert session.scalars(select(TimeOffRow).where(TimeOffRow.source == "api")).all() == []


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ("[" * 30000 + "]" * 30000, "body"),  # deep enough to exhaust the parser's recursion
        ('{"start": "2027-02-01", "end": "2027-02-01", "note": "a\\u0000b"}', "note"),
        ('{"start": "2027-02-01", "end": "2027-02-01", "note": "\\ud800"}', "note"),
        ('{"start": "2027-02-01", "end": "2027-02-01", "note": "' + "x" * 70000 + '"}', "body"),
        ('{"start": "2027-02-01", "end": "9999-12-31"}', "end"),
        ('{"start": "2027-02-01", "end": "2027-02-01T00:00:00+99:00"}', "end"),
        ("\xff\xfe", "body"),
    ],
    ids=["deep", "nul", "surrogate", "huge", "overflow", "offset", "binary"],
)
def test_hostile_bodies_are_400_not_500(as_user, raw, field):
    api = as_user("ada")
    response = api.client.post(
        "/api/v1/leave", headers=api.headers, data=raw, content_type="application/json"
    )
    assert_error(response, 400, field)


def test_hostile_names_in_paths_and_queries_are_404(as_user):
    api = as_user("manager")
    assert_error(api.get("/people/%00/shifts"), 404, "key")
    assert_error(api.get("/teams/%00/shifts"), 404, "key")
    assert_error(api.get("/leave?person=a%00b"), 404, "person")
    assert_error(api.post("/leave", {"person": "\x00", "start": "2027-02-01", "end": "2027-02-01"}),
                 400, "person")  # fmt: skip
    assert_error(api.get("/oncall/service/%00"), 404, "service")


def test_a_body_that_is_not_json_is_400(as_user):
    api = as_user("ada")
    response = api.client.post(
        "/api/v1/leave", headers=api.headers, data="start=2027", content_type="text/plain"
    )
    assert_error(response, 400, "body")


# --- swaps ---------------------------------------------------------------------------------


def _guard_off(sessions) -> None:
    """Let every swap through the fairness guard (it has tests of its own, and one below)."""
    with sessions.begin() as session:
        session.execute(update(TeamRow).values(fairness_guard=False))


def test_a_swap_the_fairness_guard_holds_says_why(as_user, week):
    frances = week["frances"]  # primary in week 2; Grace holds a week already
    swap = as_user("frances").post("/swaps", {"shift": frances.id, "to_person": "grace"})
    held = as_user("grace").post(f"/swaps/{swap.get_json()['id']}/accept").get_json()
    assert held["status"] == "awaiting_approval"
    assert held["guard_reason"].startswith("this swap raises Checkout's max load ratio from ")


def test_offer_to_a_teammate_and_accept(as_user, week, sessions):
    _guard_off(sessions)
    frances = week["frances"]  # primary in week 2
    created = as_user("frances").post("/swaps", {"shift": frances.id, "to_person": "grace"})
    assert created.status_code == 201, created.get_json()
    swap = created.get_json()
    assert (swap["status"], swap["kind"], swap["to_person"]["key"]) == ("open", "offer", "grace")
    assert [s["id"] for s in as_user("grace").get("/swaps").get_json()["swaps"]] == [swap["id"]]

    accepted = as_user("grace").post(f"/swaps/{swap['id']}/accept")
    assert accepted.status_code == 200, accepted.get_json()
    assert accepted.get_json()["status"] == "accepted"
    assert accepted.get_json()["accepted_by"]["key"] == "grace"
    with sessions() as session:
        assert session.get(AssignmentRow, frances.id).person.key == "grace"
    on_call = as_user("ada").get("/oncall?at=2027-01-12").get_json()["teams"][0]["oncall"]
    assert on_call[0]["person"]["key"] == "grace"
    # Accepting again, or by anyone else, is a conflict: the offer is taken.
    assert_error(as_user("grace").post(f"/swaps/{swap['id']}/accept"), 409)


def test_an_open_offer_that_would_break_a_rule_is_refused_with_the_reason(as_user, week, sessions):
    barbara = week["barbara"]  # secondary in week 2
    swap = as_user("barbara").post("/swaps", {"shift": barbara.id}).get_json()
    # Ken is primary in week 1: a week off after every week on call forbids week 2.
    refused = assert_error(as_user("ken").post(f"/swaps/{swap['id']}/accept"), 409)
    assert "rest" in refused["message"].lower() or "Ken" in refused["message"]
    with sessions() as session:
        assert session.get(AssignmentRow, barbara.id).person.key == "barbara"
    assert as_user("radia").post(f"/swaps/{swap['id']}/accept").status_code == 200


def test_an_offer_to_someone_who_cannot_take_it_is_refused(as_user, week):
    response = as_user("frances").post("/swaps", {"shift": week["frances"].id, "to_person": "ken"})
    assert_error(response, 409)


def test_propose_a_trade(as_user, week, sessions):
    # Edsger is away in week 2 (his manager says so): trading his week 3 for it is refused.
    away = {"person": "edsger", "start": "2027-01-12", "end": "2027-01-14"}
    assert as_user("manager").post("/leave", away).status_code == 201
    trade = {"shift": week["barbara"].id, "other_shift": week["edsger"].id}
    refused = assert_error(as_user("barbara").post("/swaps", trade), 409)
    assert "Edsger" in refused["message"]
    # Frances (week 2 primary) and Dennis (week 3 primary) may trade.
    trade = {"shift": week["frances"].id, "other_shift": week["dennis"].id}
    created = as_user("frances").post("/swaps", trade)
    assert created.status_code == 201
    swap = created.get_json()
    assert (swap["kind"], swap["to_person"]["key"]) == ("trade", "dennis")
    assert as_user("dennis").post(f"/swaps/{swap['id']}/accept").status_code == 200
    with sessions() as session:
        assert session.get(AssignmentRow, week["frances"].id).person.key == "dennis"
        assert session.get(AssignmentRow, week["dennis"].id).person.key == "frances"
    trade = {"shift": week["barbara"].id, "other_shift": week["edsger"].id, "to_person": "ken"}
    assert_error(as_user("barbara").post("/swaps", trade), 400, "to_person")


def test_decline_an_offer(as_user, week):
    swap = (
        as_user("frances")
        .post("/swaps", {"shift": week["frances"].id, "to_person": "grace"})
        .get_json()
    )
    assert_error(as_user("radia").post(f"/swaps/{swap['id']}/decline"), 403)
    assert_error(as_user("radia").post(f"/swaps/{swap['id']}/accept"), 403)
    declined = as_user("grace").post(f"/swaps/{swap['id']}/decline")
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    assert_error(as_user("grace").post(f"/swaps/{swap['id']}/decline"), 409)
    assert_error(as_user("grace").post(f"/swaps/{swap['id']}/accept"), 409)
    assert (
        as_user("frances").get("/swaps?status=declined").get_json()["swaps"][0]["id"] == swap["id"]
    )


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 400, "shift"),
        ({"shift": "3"}, 400, "shift"),
        ({"shift": True}, 400, "shift"),
        ({"shift": 10**30}, 400, "shift"),
        ({"shift": -1}, 400, "shift"),
        ({"shift": 99999}, 404, "shift"),
        ({"shift": 1, "to_person": 7}, 400, "to_person"),
        ({"shift": 1, "other_shift": 1.5}, 400, "other_shift"),
    ],
)
def test_invalid_swap_requests(as_user, body, status, field):
    assert_error(as_user("ken").post("/swaps", body), status, field)


def test_swap_permissions_and_unknown_swaps(as_user, week):
    assert_error(as_user("ada").post("/swaps", {"shift": week["frances"].id}), 403)
    assert_error(as_user("nobody").post("/swaps", {"shift": week["frances"].id}), 403)
    for path in ("/swaps/99999/accept", f"/swaps/{10**20}/accept", "/swaps/0/decline"):
        assert_error(as_user("grace").post(path), 404)
    assert_error(as_user("ada").get("/swaps?status=pending"), 400, "status")


def test_a_started_shift_cannot_be_offered(as_user, week):
    assert_error(as_user("ken").post("/swaps", {"shift": week["ken"].id}), 409)


def _user_id(session, username: str) -> int:
    return accounts.user_by_name(session, username).id


def test_times_are_utc(as_user):
    body = as_user("ada").get("/people/ada/shifts?from=2027-01-01").get_json()
    start = body["shifts"][0]["start"]
    assert datetime.fromisoformat(start).tzinfo == UTC


def test_reads_answer_while_a_writer_holds_the_database(as_user, sessions):
    import threading

    from scheduler.store import OrgRow

    answers: list[int] = []
    with sessions() as writer:
        writer.add(OrgRow(name="Importing", timezone="UTC", settings={}))
        writer.flush()  # a long import holds SQLite's write lock until it commits
        thread = threading.Thread(
            target=lambda: answers.append(as_user("manager").get("/oncall").status_code),
            daemon=True,
        )
        thread.start()
        thread.join(5)
        writer.rollback()
    assert answers == [200]
