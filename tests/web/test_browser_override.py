"""An override in a real browser: the holder asks a teammate to cover an evening of their
shift, the teammate sees the badge and accepts, and the shift's page and the team schedule say
who covers it. Screenshots at 1280 px and a phone's 390 px land in tests/artifacts/.

Same setup as test_browser.py: Debian's Chromium through Playwright, the app served by werkzeug
on a free loopback port, the test database, the clock frozen a month before the plan.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from support.app import make_app
from support.world import PASSWORD, SAMPLE, Scenario, shifts

from scheduler.services import accounts, overrides

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
WIDTHS = {"": 1280, "-phone": 390}
LOCAL_MINUTE = "%Y-%m-%dT%H:%M"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python")

NOW = SAMPLE.now  # a month before the plan: every shift is upcoming


@pytest.fixture
def scenario() -> Scenario:
    return SAMPLE


@pytest.fixture
def scene(sessions, world) -> dict:
    """Accounts for a holder and a cover: the first shift whose second evening (18:00-23:00 on
    the team's clock) someone can cover without breaking a rule or the fairness guard."""
    with sessions.begin() as session:
        for row in shifts(session, world):
            zone = ZoneInfo(row.team.timezone)
            day = row.start.astimezone(zone).replace(hour=0, minute=0) + timedelta(days=1)
            start, end = day.replace(hour=18), day.replace(hour=23)
            people = overrides.eligible_covers(session, row, start, end)
            verdicts = overrides.guard_covers(session, row, start, end, people)
            takers = [p for p in people if not verdicts[p.id].held]
            if takers:
                break
        else:
            pytest.fail("no evening of the plan can be covered by anyone")
        cover = takers[0]
        for key in (row.person.key, cover.key):
            accounts.add_user(session, key, PASSWORD, key, actor="test", now=NOW)
        return {
            "shift_id": row.id,
            "holder": row.person.key,
            "holder_name": row.person.name,
            "cover": cover.key,
            "cover_id": cover.id,
            "cover_name": cover.name,
            "from": start.strftime(LOCAL_MINUTE),
            "until": end.strftime(LOCAL_MINUTE),
        }


@pytest.fixture
def page(engine, clock, tmp_path, scene) -> Iterator:
    """Serve the app on a free loopback port and open a page on it in headless Chromium."""
    from werkzeug.serving import make_server

    app = make_app(engine, clock, tmp_path / "jobs", TESTING=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            try:
                context = browser.new_context(
                    base_url=f"http://127.0.0.1:{server.server_port}",
                    viewport={"width": 1280, "height": 900},
                )
                context.set_default_timeout(10_000)
                page = context.new_page()
                page.on("dialog", lambda dialog: dialog.accept())
                yield page
                context.close()
            finally:
                browser.close()
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def sign_in(page, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")


def badge(page) -> int:
    text = page.locator("header a.notifications-link").inner_text().strip()
    found = re.fullmatch(r"Notifications(?:\s+(\d+))?", text)
    assert found, text
    return int(found.group(1) or 0)


def screenshot(page, name: str) -> None:
    """Save the whole page at each width; the page itself never scrolls sideways."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for suffix, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(ARTIFACTS / f"{name}{suffix}.png"), full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow} px too wide at {width} px"
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_override_asked_accepted_and_shown_as_covered(page, scene):
    shift = f"/shifts/{scene['shift_id']}"
    covered = f"covered by {scene['cover_name']}"

    # The holder opens their shift from their list and picks an evening to be covered.
    sign_in(page, scene["holder"])
    page.goto("/me/shifts")
    page.locator(f'a[href="{shift}"]').first.click()
    page.wait_for_url(f"**{shift}")
    card = page.locator("section#override")
    sync_api.expect(
        card.get_by_role("heading", name="Override / cover part of this shift")
    ).to_be_visible()
    card.get_by_label("From").fill(scene["from"])
    card.get_by_label("Until").fill(scene["until"])
    card.get_by_role("button", name="Find who can cover").click()
    page.wait_for_url(re.compile(r".*from=.*until=.*"))
    card = page.locator("section#override")
    option = card.locator(f'select[name="cover_person_id"] option[value="{scene["cover_id"]}"]')
    sync_api.expect(option).to_contain_text("max load ratio")  # the guard's effect, shown
    screenshot(page, "override-form")
    card.locator('select[name="cover_person_id"]').select_option(str(scene["cover_id"]))
    card.get_by_role("button", name=re.compile("^Ask to cover")).click()
    sync_api.expect(page.locator(".flash.ok")).to_have_text("Cover asked.")
    sync_api.expect(page.locator("table.compact").first).to_contain_text(scene["cover_name"])
    sign_out(page)

    # The cover signs in: the badge says something is new; they accept on the swaps page.
    sign_in(page, scene["cover"])
    assert badge(page) >= 1
    page.locator("header nav").get_by_role("link", name="Swaps").click()
    row = page.locator("tr[id^=override-]").filter(has_text=scene["holder_name"])
    sync_api.expect(row).to_contain_text("request, open")
    screenshot(page, "override-to-answer")
    row.get_by_role("button", name="Accept").click()
    sync_api.expect(page.locator(".flash.ok")).to_have_text("Cover accepted.")

    # The shift's page and the team schedule say who covers the evening.
    page.goto(shift)
    sync_api.expect(page.locator("ul.covers")).to_contain_text(covered)
    # The form now offers the first stretch nobody covers yet, not a range it must refuse.
    card = page.locator("section#override")
    sync_api.expect(card.get_by_label("Until")).to_have_value(scene["from"])
    sync_api.expect(card.locator(".flash.error")).to_have_count(0)
    screenshot(page, "override-shift-covered")
    page.locator("header nav").get_by_role("link", name="Checkout").click()
    page.wait_for_url("**/teams/checkout")
    sync_api.expect(page.locator("table.schedule")).to_contain_text(covered)
    screenshot(page, "override-schedule")
