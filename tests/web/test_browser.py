"""The main job in a real browser: sign in, offer a shift, the teammate accepts, feeds follow.

Playwright drives Debian's Chromium (`apt-get install chromium`, never a downloaded browser)
against the app served by werkzeug on a free loopback port, on the test database (SQLite, or
PostgreSQL with ROTA_DATABASE_URL) with the clock frozen before the plan starts. Screenshots of
every page, at 1280 px wide and at a phone's 390 px, land in tests/artifacts/ (ignored by git)
for CI to keep and people to look at.

    .venv/bin/pytest tests/test_browser.py          # or: -m browser
"""

from __future__ import annotations

import re
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from support.app import make_app
from support.world import PASSWORD, SAMPLE, Scenario, shifts

from scheduler.services import accounts, swaps

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)",
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python")

NOW = SAMPLE.now  # a month before the plan: every shift is ahead
TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Scene:
    """What the live server holds: the shift to swap, who holds it, who will take it."""

    base_url: str
    shift_id: int
    shift_start: datetime
    role: str
    engineer: str  # username = person key
    engineer_name: str
    teammate: str
    teammate_name: str
    teammate_id: int


def _set_the_scene(sessions, world) -> Scene:
    """Add the accounts of the two people the test follows: who gives a shift, who takes it.

    The shift is the first one that some teammate can take without breaking a rule (the
    rulebook's own suggestion), so the test never depends on which plan the solver found.
    """
    with sessions.begin() as session:
        for row in shifts(session, world):
            # One the fairness guard lets through: the held kind has a test of its own.
            takers = [t for t in swaps.suggest_takers(session, row.id) if not t.held]
            if takers:
                break
        else:
            pytest.fail("no shift of the plan can be given to anyone")
        taker = takers[0]
        for person_key in (row.person.key, taker.person_key):
            accounts.add_user(session, person_key, PASSWORD, person_key, actor="test", now=NOW)
        return Scene(
            base_url="",
            shift_id=row.id,
            shift_start=row.start,
            role=row.role,
            engineer=row.person.key,
            engineer_name=row.person.name,
            teammate=taker.person_key,
            teammate_name=taker.name,
            teammate_id=taker.person_id,
        )


@pytest.fixture
def scenario() -> Scenario:
    return SAMPLE


@pytest.fixture
def live(engine, sessions, world, clock, tmp_path) -> Iterator[Scene]:
    """Serve the app on 127.0.0.1:<free port> in a thread, on the test database."""
    from werkzeug.serving import make_server

    scene = _set_the_scene(sessions, world)
    # Not TESTING: errors go through the app's own error pages, as on a real server.
    app = make_app(engine, clock, tmp_path / "jobs", TESTING=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield Scene(**{**scene.__dict__, "base_url": f"http://127.0.0.1:{server.server_port}"})
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def page(live) -> Iterator:
    """Open a page in headless Chromium; every confirm() dialog is accepted."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(
                base_url=live.base_url, viewport={"width": 1280, "height": 900}
            )
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.on("dialog", lambda dialog: dialog.accept())
            yield page
            context.close()
        finally:
            browser.close()


# --- steps -------------------------------------------------------------------------------


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    sync_api.expect(page.locator("header .who")).to_contain_text(username)


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    sync_api.expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def make_feed_link(page, label: str) -> str:
    """Make a feed link on the feeds page and return the URL it shows (once)."""
    page.goto("/me/feeds")
    card = page.locator("section.feed").filter(has=page.get_by_role("heading", name=label))
    card.get_by_role("button").click()
    url_field = (
        page.locator("section.feed")
        .filter(has=page.get_by_role("heading", name=label))
        .locator("input.url")
    )
    sync_api.expect(url_field).to_be_visible()
    url = url_field.input_value()
    assert url.startswith("http://127.0.0.1:") and url.endswith(".ics"), url
    return url


@dataclass(frozen=True)
class FeedEvent:
    uid: str
    start: datetime
    summary: str
    description: str
    sequence: int


def fetch_feed(url: str) -> dict[str, FeedEvent]:
    """GET a feed over HTTP like a calendar client; return its events by UID."""
    from icalendar import Calendar

    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
        body = response.read()
    events = {}
    for event in Calendar.from_ical(body).walk("VEVENT"):
        uid = str(event["UID"])
        events[uid] = FeedEvent(
            uid=uid,
            start=event.decoded("DTSTART"),
            summary=str(event["SUMMARY"]),
            description=str(event.get("DESCRIPTION", "")),
            sequence=int(event.get("SEQUENCE", 0)),
        )
    return events


def events_at(events: dict[str, FeedEvent], start: datetime, role: str) -> list[FeedEvent]:
    """Return the events of one role on the shift starting at `start` (the UID names the role)."""
    return [e for e in events.values() if e.start == start and f"-{role}." in e.uid]


WIDTHS = {"": 1280, "-phone": 390}  # a laptop, and a phone (iPhone 12 to 15)


def screenshot(page, name: str) -> None:
    """Save the whole page at each width (name.png, name-phone.png); nothing may overflow it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = name.removesuffix(".png")
    for suffix, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"{stem}{suffix}.png"), full_page=True)
        # Wide tables scroll inside their own box; the page itself never scrolls sideways.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{stem} is {overflow} px too wide at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})


# --- the test ----------------------------------------------------------------------------


def test_offer_accept_and_both_feeds_change(live, page):
    scene = live
    own_shift = f'a[href="/shifts/{scene.shift_id}"]'

    # The engineer signs in, sees who is on call, and opens the team schedule.
    sign_in(page, scene.engineer)
    sync_api.expect(page.get_by_role("heading", name="On call at Acme Checkout")).to_be_visible()
    page.locator("header nav").get_by_role("link", name="Checkout").click()
    page.wait_for_url("**/teams/checkout")
    sync_api.expect(page.locator("table.schedule tr.mine").first).to_be_visible()
    sync_api.expect(page.locator(own_shift)).to_have_text(scene.engineer_name)

    # Their feed and the team's, as a calendar would see them before the swap.
    engineer_feed = make_feed_link(page, f"My shifts ({scene.engineer_name})")
    team_feed = make_feed_link(page, "Team Checkout")
    engineer_before = events_at(fetch_feed(engineer_feed), scene.shift_start, scene.role)
    team_before = events_at(fetch_feed(team_feed), scene.shift_start, scene.role)
    assert len(engineer_before) == 1
    assert len(team_before) == 1
    assert f"{scene.role.capitalize()}: {scene.engineer_name}" in team_before[0].description

    # From the schedule to the shift's page: offer it to the teammate.
    page.goto("/teams/checkout")
    page.locator(own_shift).click()
    page.wait_for_url(f"**/shifts/{scene.shift_id}")
    sync_api.expect(page.get_by_role("heading", name="Who could take it")).to_be_visible()
    offer_form = page.locator(f'form[action="/shifts/{scene.shift_id}/offer"]').filter(
        has=page.locator("select")
    )
    offer_form.locator("select").select_option(str(scene.teammate_id))
    offer_form.get_by_role("button", name="Offer").click()
    sync_api.expect(page.locator(".flash.ok")).to_have_text("Offer made.")
    sign_out(page)

    # The teammate signs in, takes a feed link, sees the offer with its fairness effect, accepts.
    sign_in(page, scene.teammate)
    teammate_feed = make_feed_link(page, f"My shifts ({scene.teammate_name})")
    assert events_at(fetch_feed(teammate_feed), scene.shift_start, scene.role) == []
    page.locator("header nav").get_by_role("link", name="Swaps").click()
    offer = page.locator("section.card").filter(
        has_text=f"{scene.engineer_name} offers you a shift"
    )
    sync_api.expect(offer).to_be_visible()
    sync_api.expect(offer.get_by_role("heading", name="Fairness effect")).to_be_visible()
    offer.get_by_role("button", name="Accept").click()
    sync_api.expect(page.locator(".flash.ok")).to_have_text("Swap accepted.")

    # The schedule now shows the teammate on that shift, highlighted as their own.
    page.locator("header nav").get_by_role("link", name="Checkout").click()
    page.wait_for_url("**/teams/checkout")
    sync_api.expect(page.locator(own_shift)).to_have_text(scene.teammate_name)
    screenshot(page, "schedule.png")
    with page.expect_response(lambda r: "/fairness/chart.png" in r.url) as chart:
        page.locator("header nav").get_by_role("link", name="Fairness").click()
    assert chart.value.ok and chart.value.headers["content-type"] == "image/png"
    page.wait_for_load_state("load")  # the chart has been drawn, not just fetched
    sync_api.expect(page.locator("table").first).to_be_visible()
    assert page.locator("img.chart").evaluate("img => img.naturalWidth") > 0
    screenshot(page, "fairness.png")

    # Both people's feeds changed: the event left one and joined the other; in the team's feed
    # the same event (same UID) now names the teammate, with a higher SEQUENCE.
    assert events_at(fetch_feed(engineer_feed), scene.shift_start, scene.role) == []
    taken = events_at(fetch_feed(teammate_feed), scene.shift_start, scene.role)
    assert len(taken) == 1 and taken[0].uid != engineer_before[0].uid
    team_after = events_at(fetch_feed(team_feed), scene.shift_start, scene.role)
    assert [e.uid for e in team_after] == [team_before[0].uid]
    assert f"{scene.role.capitalize()}: {scene.teammate_name}" in team_after[0].description
    assert team_after[0].summary == f"Checkout {scene.role}: {scene.teammate_name}"
    assert team_before[0].summary == f"Checkout {scene.role}: {scene.engineer_name}"
    assert team_after[0].sequence > team_before[0].sequence


def test_a_re_plan_after_new_leave_lists_its_changes_before_publishing(live, page, sessions, world):
    with sessions.begin() as session:
        accounts.add_user(
            session,
            "lead",
            PASSWORD,
            manages=("checkout",),
            org_id=world.org_id,
            actor="test",
            now=NOW,
        )
        hit = shifts(session, world, "checkout", "primary")[1]
        who, person_id, monday = hit.person.name, hit.person_id, hit.start.date()
    # The manager enters two days of leave inside someone's published primary week.
    sign_in(page, "lead")
    page.goto("/leave")
    form = page.locator('form[action="/leave"]')
    form.locator('select[name="person_id"]').select_option(str(person_id))
    form.locator('input[name="first"]').fill((monday + timedelta(days=1)).isoformat())
    form.locator('input[name="last"]').fill((monday + timedelta(days=2)).isoformat())
    form.get_by_role("button", name="Add").click()
    sync_api.expect(page.locator("tr.conflict").first).to_be_visible()

    # Re-plan the live quarter; the job page follows the solve and lands on the draft.
    page.locator("header nav").get_by_role("link", name="Plans").click()
    page.locator('input[name="start"]').fill("2027-01-04")
    page.locator('input[name="weeks"]').fill("3")
    page.get_by_role("button", name="Generate draft").click()
    page.wait_for_url(re.compile(r".*/plans/\d+$"), timeout=90_000)
    changes = page.locator("section.changes")
    sync_api.expect(changes.locator("h2")).to_contain_text("change, affecting")
    sync_api.expect(changes.locator("li").filter(has_text=f"{who} ->").first).to_be_visible()
    count = changes.locator("li").count()
    assert 1 <= count <= 3  # the week on leave and a repair or two: never a re-deal
    assert page.locator("td.cell-changed").count() == count
    # Readable at 1280 px: the grid fits the width and the page is a few screens, not 18,000 px.
    grid = page.locator("table.weekgrid")
    assert grid.evaluate("t => t.getBoundingClientRect().right") <= 1280
    assert page.evaluate("document.documentElement.scrollHeight") < 3000
    screenshot(page, "replan.png")
    # On a phone the grid scrolls sideways inside its box instead of widening the page.
    page.set_viewport_size({"width": 390, "height": 844})
    box = page.locator(".grid-scroll")
    assert box.evaluate("b => getComputedStyle(b).overflowX") == "auto"
    assert box.evaluate("b => b.clientWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name="Publish").click()
    sync_api.expect(page.locator(".flash.ok")).to_contain_text("is live")


# --- every page, and a swap the fairness guard holds ---------------------------------------


def _held_swap(sessions, world):
    """Add accounts for a swap the fairness guard would hold, and a manager of the team.

    Returns (shift id, giver key, taker key, taker id, taker name): the first shift with a
    teammate the rulebook allows but the guard sends to a manager (the service's own verdict).
    """
    with sessions.begin() as session:
        for row in shifts(session, world):
            held = [s for s in swaps.suggest_takers(session, row.id, limit=None) if s.held]
            if held:
                break
        else:
            pytest.fail("no swap of the plan is held by the fairness guard")
        taker = held[0]
        for key in (row.person.key, taker.person_key):
            accounts.add_user(session, key, PASSWORD, key, actor="test", now=NOW)
        accounts.add_user(session, "boss", PASSWORD, manages=("checkout",), actor="test", now=NOW)
        return row.id, row.person.key, taker.person_key, taker.person_id, taker.name


@pytest.fixture
def held_live(engine, sessions, world, clock, tmp_path) -> Iterator[tuple[Scene, tuple]]:
    """Serve the app with the accounts of a held swap (no Scene accounts)."""
    from werkzeug.serving import make_server

    held = _held_swap(sessions, world)
    app = make_app(engine, clock, tmp_path / "jobs", TESTING=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", held
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def test_every_page_reads_well_and_the_guard_holds_an_unfair_swap(held_live):
    base_url, (shift_id, giver, taker, taker_id, taker_name) = held_live
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(
                base_url=base_url, viewport={"width": 1280, "height": 900}
            )
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.on("dialog", lambda dialog: dialog.accept())
            _walk(page, shift_id, giver, taker, taker_id, taker_name)
            context.close()
        finally:
            browser.close()


def _walk(page, shift_id, giver, taker, taker_id, taker_name) -> None:
    # A wrong password keeps the username.
    page.goto("/login")
    page.get_by_label("Username").fill(giver)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    sync_api.expect(page.get_by_label("Username")).to_have_value(giver)
    assert page.locator('link[rel="icon"]').get_attribute("href") == "/static/favicon.svg"
    screenshot(page, "login-error")

    sign_in(page, giver)
    screenshot(page, "home")
    page.goto("/teams/checkout")
    sync_api.expect(page.locator("table.schedule")).to_be_visible()
    screenshot(page, "schedule-team")
    page.goto("/me/shifts")
    screenshot(page, "my-shifts")

    # The shift's page shows the effect on the team's fairness before anyone asks.
    page.goto(f"/shifts/{shift_id}?to={taker_id}")
    guard = page.locator("p.guard.held")
    sync_api.expect(guard).to_contain_text("Checkout's max load ratio")
    sync_api.expect(guard).to_contain_text("Held for a manager's approval")
    screenshot(page, "shift")
    offer_form = page.locator(f'form[action="/shifts/{shift_id}/offer"]').filter(
        has=page.locator("select")
    )
    offer_form.locator("select").select_option(str(taker_id))
    offer_form.get_by_role("button", name="Offer").click()
    sync_api.expect(page.locator(".flash.ok")).to_have_text("Offer made.")

    # Leave with the last day before the first keeps what was typed.
    page.goto("/leave")
    page.get_by_label("First day").fill("2027-03-05")
    page.get_by_label("Last day").fill("2027-03-01")
    page.get_by_label("Note").fill("ski trip")
    page.get_by_role("button", name="Add").click()
    sync_api.expect(page.locator(".flash.error")).to_contain_text("Leave not recorded")
    sync_api.expect(page.get_by_label("Note")).to_have_value("ski trip")
    screenshot(page, "leave-error")
    page.goto("/fairness/")
    page.wait_for_load_state("load")
    screenshot(page, "fairness-org")
    page.goto("/me/feeds")
    screenshot(page, "feeds")
    page.goto("/plans/")  # a manager's page
    sync_api.expect(page.get_by_role("heading", name="Not yours to do")).to_be_visible()
    screenshot(page, "error-403")
    page.goto("/teams/nope")
    sync_api.expect(page.get_by_role("heading", name="Nothing here")).to_be_visible()
    screenshot(page, "error-404")
    sign_out(page)

    # The teammate accepts; the guard holds the swap and says why.
    sign_in(page, taker)
    page.locator("header nav").get_by_role("link", name="Swaps").click()
    sync_api.expect(page.locator("p.guard.held").first).to_be_visible()
    screenshot(page, "swaps-to-answer")
    page.locator('form[action$="/accept"]').first.get_by_role("button", name="Accept").click()
    flash = page.locator(".flash.ok")
    sync_api.expect(flash).to_contain_text("waits for a manager's approval, because this swap")
    sync_api.expect(flash).to_contain_text(f"({taker_name} would carry")
    screenshot(page, "swaps-held")
    sign_out(page)

    # The manager sees the reason and approves; the shift changes hands.
    sign_in(page, "boss")
    page.locator("header nav").get_by_role("link", name="Swaps").click()
    sync_api.expect(page.locator("span.guard.held")).to_contain_text("Held by the fairness guard")
    screenshot(page, "swaps-approval")
    page.get_by_role("button", name="Approve").click()
    sync_api.expect(page.locator(".flash.ok")).to_have_text("Swap approved.")
    page.goto("/plans/")
    screenshot(page, "plans")
    page.goto("/audit")
    screenshot(page, "audit")
    page.goto("/fairness/checkout")
    page.wait_for_load_state("load")
    screenshot(page, "fairness-team")
