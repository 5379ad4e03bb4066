"""The database commands: import, plan --db, publish, users, feeds, serve and demo."""

from __future__ import annotations

import json
import re
import sys
import types
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select
from support.builders import TEAM_FILE, TEAM_TEXT, team_org
from support.database import cli_url, counts

from scheduler import store
from scheduler.cli import main
from scheduler.services import accounts

FAST = ("--time-limit", "10", "--workers", "1")
URL = re.compile(r"^(person|team)\t(\S+)\t.*\t(https?://\S+/feeds/(\S+)\.ics)$")


@pytest.fixture
def rota(engine, db_url, monkeypatch):
    """Run `rota` against the test database (through ROTA_DATABASE_URL, as a user would)."""
    monkeypatch.setenv("ROTA_DATABASE_URL", cli_url(db_url))

    def run(*args: str | Path, input: str | None = None) -> Result:
        result = CliRunner().invoke(main, [str(a) for a in args], input=input)
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), repr(
            result.exception
        )
        return result

    return run


def write(tmp_path: Path, text: str, name: str = "org.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_then_reimport_changes_nothing(rota, sessions):
    first = rota("import", TEAM_FILE)
    assert first.exit_code == 0, first.output
    assert "added person ada (Ada Lovelace)" in first.stdout
    before = counts(sessions)
    again = rota("import", TEAM_FILE)
    assert again.exit_code == 0
    assert again.stdout.strip() == "Acme Checkout: nothing changed"
    assert counts(sessions) == before


def test_a_broken_file_exits_2_with_the_orgfile_message_and_changes_nothing(
    rota, sessions, tmp_path
):
    assert rota("import", TEAM_FILE).exit_code == 0
    before = counts(sessions)
    broken = write(tmp_path, TEAM_TEXT.replace("fte: 0.8", "fte: lots"), "broken.yaml")
    result = rota("import", broken)
    assert result.exit_code == 2
    assert "broken.yaml" in result.stderr and "line " in result.stderr and "fte" in result.stderr
    assert counts(sessions) == before


def test_a_second_team_naming_a_stranger_imports_nothing(rota, sessions, tmp_path):
    second = (
        "  - id: pay\n    name: Pay\n    members: [ada, zed]\n"
        "    rotation: {shift: weekly, handoff: mon 09:00, roles: [primary]}\n"
    )
    path = write(tmp_path, TEAM_TEXT.replace("\nleave:", second + "\nleave:", 1))
    result = rota("import", path)
    assert result.exit_code == 2
    assert "zed" in result.stderr
    assert set(counts(sessions).values()) == {0}


def test_a_changed_file_is_reported(rota, tmp_path):
    assert rota("import", TEAM_FILE).exit_code == 0
    changed = write(tmp_path, TEAM_TEXT.replace("name: Grace Hopper", "name: Grace B. Hopper"))
    result = rota("import", changed)
    assert result.exit_code == 0
    assert "updated person grace: name" in result.stdout


def test_plan_db_stores_a_draft_and_publish_makes_it_live(rota, sessions):
    assert rota("import", TEAM_FILE).exit_code == 0
    result = rota("plan", "--db", "--start", "2027-01-04", "--weeks", "2", *FAST)
    assert result.exit_code == 0, result.output
    assert "max load ratio" in result.stdout
    assert "stored draft plan #" in result.stdout and "rota publish" in result.stdout

    again = rota("plan", "--db", "--start", "2027-01-04", "--weeks", "2", "--json", *FAST)
    payload = json.loads(again.stdout)
    assert payload["state"] == "draft" and payload["version"] == 2
    assert payload["lower_bound"] <= payload["max_load_ratio"]

    published = rota("publish", "--latest")
    assert published.exit_code == 0, published.output
    assert f"published plan #{payload['plan_id']} (version 2)" in published.stdout
    first_id = payload["plan_id"] - 1
    assert rota("publish", str(first_id)).exit_code == 0
    with sessions() as session:
        states = {p.id: p.state for p in session.scalars(select(store.PlanRow))}
    assert states == {first_id: "published", payload["plan_id"]: "superseded"}

    twice = rota("publish", str(first_id))
    assert twice.exit_code == 2 and "not a draft" in twice.stderr
    assert rota("publish", "--latest").exit_code == 1  # no draft left
    assert rota("publish").exit_code == 2


def test_plan_db_over_a_live_quarter_lists_its_changes(rota):
    assert rota("import", TEAM_FILE).exit_code == 0
    assert rota("plan", "--db", "--start", "2027-01-04", "--weeks", "2", *FAST).exit_code == 0
    assert rota("publish", "--latest").exit_code == 0
    again = rota("plan", "--db", "--start", "2027-01-04", "--weeks", "2", "--json", *FAST)
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["changes"] == []  # nothing new: the live plan is kept
    summary = rota("plan", "--db", "--start", "2027-01-04", "--weeks", "2", *FAST)
    assert "0 assignments of the live plan changed" in summary.stdout


def test_plan_db_over_a_live_quarter_drops_what_no_longer_applies_and_says_so(
    rota, sessions, tmp_path
):
    assert rota("import", TEAM_FILE).exit_code == 0
    assert rota("plan", "--db", "--start", "2027-01-04", "--weeks", "3", *FAST).exit_code == 0
    assert rota("publish", "--latest").exit_code == 0
    with sessions() as session:
        live = session.scalars(select(store.AssignmentRow).order_by(store.AssignmentRow.start))
        holders = [a.person.key for a in live]
        gone = holders[-1]
    # The person leaves the org: the file no longer lists them, so they become inactive.
    lines = [
        line
        for line in TEAM_TEXT.splitlines()
        if f"{{id: {gone}," not in line and f"person: {gone}," not in line
    ]
    text = "\n".join(lines).replace(f", {gone}]", "]").replace(f" {gone},", "") + "\n"
    assert rota("import", write(tmp_path, text)).exit_code == 0
    again = rota("plan", "--db", "--start", "2027-01-04", "--weeks", "3", "--json", *FAST)
    assert again.exit_code == 0, again.output
    assert "of people no longer in the org" in again.stderr
    assert "the re-plan keeps what still applies" in again.stderr
    changes = json.loads(again.stdout)["changes"]
    # The shift they held goes to someone else, with at most a repair or two around it.
    held = holders.count(gone)
    assert sum(line.split(": ")[1].startswith("nobody ->") for line in changes) == held
    assert len(changes) <= held + 2 and all(f"{gone} ->" not in line for line in changes)


def test_plan_db_defaults_to_the_monday_after_the_latest_plan(rota):
    assert rota("import", TEAM_FILE).exit_code == 0
    assert rota("plan", "--db", "--start", "2027-01-04", "--weeks", "2", *FAST).exit_code == 0
    assert rota("publish", "--latest").exit_code == 0
    result = rota("plan", "--db", "--weeks", "2", *FAST)
    assert result.exit_code == 0, result.output
    assert "2 weeks from 2027-01-18" in result.stdout


def test_plan_db_without_a_plan_exits_1_with_the_explanation(rota, tmp_path, sessions):
    small = TEAM_TEXT.replace(
        "members: [ada, barbara, dennis, edsger, frances, grace, ken, radia]",
        "members: [ada, barbara]",
    )
    assert rota("import", write(tmp_path, small)).exit_code == 0
    result = rota("plan", "--db", "--start", "2027-01-04", "--weeks", "2", *FAST)
    assert result.exit_code == 1
    assert "roster" in result.stderr
    with sessions() as session:
        assert session.scalars(select(store.PlanRow)).all() == []


def test_plan_db_needs_an_org(rota):
    result = rota("plan", "--db", "--start", "2027-01-04", *FAST)
    assert result.exit_code == 2 and "rota import" in result.stderr
    both = rota("plan", str(TEAM_FILE), "--db", "--start", "2027-01-04")
    assert both.exit_code == 2
    neither = rota("plan", "--start", "2027-01-04")
    assert neither.exit_code == 2 and "ORGFILE" in neither.stderr


def test_users_add_prints_a_generated_password_once(rota, sessions):
    assert rota("import", TEAM_FILE).exit_code == 0
    result = rota("users", "add", "ada", "--person", "ada")
    assert result.exit_code == 0, result.output
    password = re.search(r"password: (\S+)", result.stdout).group(1)
    piped = rota(
        "users",
        "add",
        "lead",
        "--manager",
        "checkout",
        "--password-stdin",
        input="a-long-password\n",
    )
    assert piped.exit_code == 0 and "password:" not in piped.stdout
    assert rota("users", "add", "root", "--admin").exit_code == 0
    with sessions() as session:
        assert accounts.authenticate(session, "ada", password).person.key == "ada"
        assert accounts.authenticate(session, "lead", "a-long-password") is not None
        hashes = session.scalars(select(store.UserRow.password_hash)).all()
        assert not any(password in h or "a-long-password" in h for h in hashes)
    listing = rota("users", "list").stdout
    assert "root\t-\tadmin" in listing and "lead\t-\tmanager:checkout" in listing

    assert rota("users", "add", "ada").exit_code == 2  # exists
    assert rota("users", "add", "zed", "--person", "zed").exit_code == 2
    short = rota("users", "add", "bob", "--password-stdin", input="short\n")
    assert short.exit_code == 2 and "8 characters" in short.stderr

    reset = rota("users", "passwd", "ada")
    new = re.search(r"password: (\S+)", reset.stdout).group(1)
    assert reset.exit_code == 0 and new != password
    with sessions() as session:
        assert accounts.authenticate(session, "ada", password) is None
        assert accounts.authenticate(session, "ada", new) is not None
    assert rota("users", "passwd", "nobody").exit_code == 2


def test_users_planner_grants_and_takes_back_the_org_planner_role(rota, sessions):
    assert rota("import", TEAM_FILE).exit_code == 0
    nowhere = rota("users", "add", "org-lead", "--planner")  # a planner of no org sees nothing
    assert nowhere.exit_code == 2 and "give --person or --manager" in nowhere.stderr
    assert rota("users", "add", "org-lead", "--planner", "--person", "ada").exit_code == 0
    assert rota("users", "add", "lead").exit_code == 0
    granted = rota("users", "planner", "lead")
    assert granted.exit_code == 0 and "lead is an org planner" in granted.stdout
    listing = rota("users", "list").stdout
    assert "org-lead\tada\tplanner" in listing and "lead\t-\tplanner" in listing
    assert rota("users", "planner", "lead", "--revoke").exit_code == 0
    with sessions() as session:
        planners = session.scalars(
            select(store.UserRow.username).where(store.UserRow.is_planner.is_(True))
        ).all()
    assert planners == ["org-lead"]
    unknown = rota("users", "planner", "nobody")
    assert unknown.exit_code == 2 and "no user 'nobody'" in unknown.stderr


def test_feeds_prints_urls_only_for_new_tokens(rota, sessions):
    assert rota("import", TEAM_FILE).exit_code == 0
    first = rota("feeds", "--base-url", "https://rota.example/")
    assert first.exit_code == 0, first.output
    lines = [URL.match(line) for line in first.stdout.splitlines()]
    assert all(lines) and len(lines) == 9  # eight people and the team
    assert {m.group(1) for m in lines} == {"person", "team"}
    assert all(m.group(3).startswith("https://rota.example/feeds/") for m in lines)
    with sessions() as session:
        for m in lines:
            token = accounts.lookup_token(session, "feed", m.group(4))
            assert token is not None and (token.person_id or token.team_id)

    again = rota("feeds")
    assert again.stdout == "" and "9 already had a feed token" in again.stderr
    assert "--rotate" in again.stderr

    one = rota("feeds", "--person", "ada", "--rotate")
    (match,) = [URL.match(line) for line in one.stdout.splitlines()]
    assert match.group(2) == "ada" and match.group(3).startswith("http://127.0.0.1:8000/feeds/")
    old_ada = next(m.group(4) for m in lines if m.group(2) == "ada")
    with sessions() as session:
        assert accounts.lookup_token(session, "feed", old_ada) is None
        assert accounts.lookup_token(session, "feed", match.group(4)) is not None

    assert rota("feeds", "--person", "ada", "--team", "checkout").exit_code == 2
    assert rota("feeds", "--team", "nope").exit_code == 2


def test_demo_sets_everything_up_and_is_safe_to_run_again(rota, tmp_path, sessions):
    out = tmp_path / "out"
    start = ("--start", "2027-01-04")  # pinned: the default follows the clock
    args = ("demo", TEAM_FILE, *start, "--weeks", "2", "--out", out, "--no-serve", *FAST)
    first = rota(*args)
    assert first.exit_code == 0, first.output
    assert "max load ratio" in first.stdout
    logins = dict(re.findall(r"^  (\S+)\s+(\S+)\s+(?:admin|manager|engineer)", first.stdout, re.M))
    assert set(logins) == {
        "admin",
        "manager",
        "ada",
        "barbara",
        "dennis",
        "edsger",
        "frances",
        "grace",
        "ken",
        "radia",
    }
    assert (out / "plan.csv").exists() and (out / "fairness.csv").exists()
    assert len(list((out / "feeds").glob("*.ics"))) == 9
    with sessions() as session:
        assert accounts.authenticate(session, "admin", logins["admin"]).is_admin
        manager = accounts.authenticate(session, "manager", logins["manager"])
        assert [m.team_id for m in manager.managed]
        assert accounts.authenticate(session, "ada", logins["ada"]).person.key == "ada"
        plans = session.scalars(select(store.PlanRow)).all()
        assert [p.state for p in plans] == ["published"]

    second = rota(*args)
    assert second.exit_code == 0, second.output
    assert f"keeping published plan #{plans[0].id}" in second.stdout
    assert "rota users passwd admin" in second.stdout
    assert logins["admin"] not in second.stdout
    with sessions() as session:
        assert len(session.scalars(select(store.PlanRow)).all()) == 1


def test_demo_plans_from_this_week_so_people_are_on_call_now(rota, tmp_path, sessions, monkeypatch):
    from scheduler.cli import serve
    from scheduler.services import oncall

    wednesday = datetime(2026, 12, 9, 17, tzinfo=UTC)  # noon in New York, the team's zone
    monkeypatch.setattr(serve, "now", lambda: wednesday)
    args = ("demo", TEAM_FILE, "--weeks", "2", "--out", tmp_path / "out", "--no-serve", *FAST)
    first = rota(*args)
    assert first.exit_code == 0, first.output
    assert "planning 2 weeks from 2026-12-07" in first.stdout
    # The sample's history runs to 2027-01-04: what falls in the planned weeks is left out.
    assert "left out 8 history entries from 2026-12-07 on" in first.stdout
    with sessions() as session:
        (org_id,) = session.scalars(select(store.OrgRow.id)).all()
        assert {e.role for e in oncall.on_call(session, org_id, wednesday)} >= {"primary"}
        (plan,) = session.scalars(select(store.PlanRow)).all()
    # A week later the plan running now is kept, not re-dealt from the new Monday.
    monkeypatch.setattr(serve, "now", lambda: wednesday + timedelta(weeks=1))
    again = rota(*args)
    assert again.exit_code == 0, again.output
    assert f"keeping published plan #{plan.id} (2 weeks from 2026-12-07)" in again.stdout
    # On a Monday morning, before the week's handoffs, last week's crew is still on call.
    monday = datetime(2026, 12, 14, 12, tzinfo=UTC)
    assert serve.demo_start(sessions, replace(team_org(), name="Nobody Yet"), monday) == date(
        2026, 12, 7
    )
    assert serve.demo_start(
        sessions, replace(team_org(), name="Nobody Yet"), monday + timedelta(days=1)
    ) == (date(2026, 12, 14))
    # --start still pins a date.
    pinned = rota(*args, "--start", "2027-01-04")
    assert pinned.exit_code == 0 and "planning 2 weeks from 2027-01-04" in pinned.stdout


@pytest.fixture
def fake_web(monkeypatch):
    """Stand in for the web app: record how it is built and run."""
    calls: list = []

    class App:
        def run(self, **kwargs):
            calls.append(("flask", kwargs))

    def create_app():
        calls.append(("create_app",))
        return App()

    monkeypatch.setitem(sys.modules, "web", types.SimpleNamespace(create_app=create_app))
    return calls


def test_serve_debug_runs_flasks_server(rota, fake_web):
    result = rota("serve", "--debug", "--host", "0.0.0.0", "--port", "9001")
    assert result.exit_code == 0, result.output
    assert fake_web[-1] == ("flask", {"host": "0.0.0.0", "port": 9001, "debug": True})


def test_serve_runs_gunicorn_with_the_app(rota, fake_web, monkeypatch):
    from gunicorn.app.base import BaseApplication

    seen = {}

    def run(self):
        seen["bind"] = self.cfg.bind
        seen["workers"] = self.cfg.workers
        seen["app"] = self.load()

    monkeypatch.setattr(BaseApplication, "run", run)
    result = rota("serve", "--port", "9002", "--workers", "3")
    assert result.exit_code == 0, result.output
    assert seen["bind"] == ["127.0.0.1:9002"] and seen["workers"] == 3
    assert seen["app"] is not None


def test_serve_reports_a_web_app_that_cannot_start(rota, monkeypatch):
    def broken():
        raise RuntimeError("no templates")

    monkeypatch.setitem(sys.modules, "web", types.SimpleNamespace(create_app=broken))
    result = rota("serve")
    assert result.exit_code == 1 and "no templates" in result.stderr


def test_a_database_that_cannot_be_opened_exits_2(tmp_path):
    url = f"sqlite:///{tmp_path / 'missing' / 'dir' / 'rota.sqlite'}"
    result = CliRunner().invoke(main, ["import", str(TEAM_FILE), "--db", url])
    assert result.exit_code == 2 and "cannot open the database" in result.stderr
    assert "Traceback" not in result.output


def test_users_token_issues_an_api_token_that_resolves(rota, sessions):
    assert rota("users", "add", "robot").exit_code == 0
    first = rota("users", "token", "robot")
    assert first.exit_code == 0, first.output
    old = first.stdout.strip().splitlines()[-1]
    second = rota("users", "token", "robot", "--revoke-old")
    assert second.exit_code == 0, second.output
    fresh = second.stdout.strip().splitlines()[-1]
    with sessions() as session:
        assert accounts.lookup_token(session, "api", old) is None  # revoked by --revoke-old
        row = accounts.lookup_token(session, "api", fresh)
        assert session.get(store.UserRow, row.user_id).username == "robot"
    assert first.stdout.strip() == old  # only the token: `$(rota users token robot)` works
    assert "shown only now" in first.stderr
    missing = rota("users", "token", "nobody")
    assert missing.exit_code == 2 and "no user named" in missing.output


def test_users_disable_ends_sessions_sign_in_and_api_tokens(rota, sessions):
    assert (
        rota("users", "add", "robot", "--password-stdin", input="a-long-password\n").exit_code == 0
    )
    token = rota("users", "token", "robot").stdout.strip().splitlines()[-1]
    result = rota("users", "disable", "robot")
    assert result.exit_code == 0, result.output
    with sessions() as session:
        user = accounts.user_by_name(session, "robot")
        assert not user.active and user.session_generation == 1
        assert accounts.authenticate(session, "robot", "a-long-password") is None
        assert accounts.lookup_token(session, "api", token) is None
    assert rota("users", "disable", "nobody").exit_code == 2
    assert "robot\t-\tengineer (disabled)" in rota("users", "list").stdout


def _without(key: str) -> str:
    """The team file's text with one person gone from it (people, members, leave, history)."""
    lines = [
        line
        for line in TEAM_TEXT.splitlines()
        if f"id: {key}," not in line and f"person: {key}," not in line
    ]
    return "\n".join(lines).replace(f" {key},", "").replace(f", {key}]", "]") + "\n"


def test_importing_without_a_person_warns_of_their_uncovered_shifts(rota, sessions, tmp_path):
    assert rota("import", TEAM_FILE).exit_code == 0
    planned = rota("plan", "--db", "--start", "2027-01-04", "--weeks", "2", *FAST)
    assert planned.exit_code == 0, planned.output
    assert rota("publish", "--latest").exit_code == 0
    with sessions() as session:
        first = session.scalars(select(store.AssignmentRow).order_by("start", "role")).first()
        key, name = first.person.key, first.person.name
        moment = datetime.now(UTC)
        accounts.add_user(session, key, "secret-password", person_key=key, actor="t", now=moment)
        session.commit()
    result = rota("import", write(tmp_path, _without(key)))
    assert result.exit_code == 0, result.output
    assert f"deactivated person {key}" in result.stdout
    assert f"disabled account {key}" in result.stdout
    assert (
        f"warning: 1 shift of {name}, who left the org, is uncovered: re-plan from 2027-01-04"
        in result.stderr
    )
    again = rota("import", write(tmp_path, _without(key)))  # still uncovered: still said
    assert "nothing changed" in again.stdout and "is uncovered" in again.stderr


def test_names_printed_from_the_database_are_inert(rota, sessions):
    assert rota("import", TEAM_FILE).exit_code == 0
    with sessions.begin() as session:  # e.g. written by an older version that let it through
        org = session.scalars(select(store.OrgRow)).one()
        org.name = "Acme\x1b]0;owned\x07 \u202eCheckout\u2028"
    result = rota("plan", "--db", "--start", "2027-01-04", "--weeks", "4", *FAST)
    assert result.exit_code == 0, result.output
    assert "of Acme Checkout: 4 weeks" in result.stdout
    assert not any(c in result.output for c in "\x1b\x07\u202e\u2028")
