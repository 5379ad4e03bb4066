"""Notifications in a real browser: an offer lights the taker's badge, the email reaches the
test's SMTP server, the payload reaches the test's webhook, and a failing webhook shows on the
admin's Deliveries page. Screenshots at 1280 px and a phone's width land in tests/artifacts/.

Same setup as test_browser.py: Debian's Chromium through Playwright, the app served by werkzeug
on a free loopback port, the test database, the clock frozen a month before the plan.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from support.app import make_app
from support.mailservers import smtp_server, webhook_server
from support.world import PASSWORD, SAMPLE, Scenario, shifts

from scheduler.services import accounts, notify, swaps
from scheduler.store import TeamRow

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PHONE = {"width": 390, "height": 844}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright for Python")

NOW = SAMPLE.now


@pytest.fixture
def scenario() -> Scenario:
    return SAMPLE


@pytest.fixture
def hook() -> Iterator:
    with webhook_server() as receiver:
        yield receiver


@pytest.fixture
def scene(sessions, world, hook) -> dict:
    """Accounts for a giver, a taker and an admin; the team's webhook is the test's server."""
    with sessions.begin() as session:
        session.execute(update(TeamRow).values(webhook_url=hook.url, fairness_guard=False))
        for row in shifts(session, world):
            takers = swaps.suggest_takers(session, row.id)
            if takers:
                break
        taker = takers[0]
        for key in (row.person.key, taker.person_key):
            accounts.add_user(session, key, PASSWORD, key, actor="test", now=NOW)
        accounts.add_user(session, "root", PASSWORD, is_admin=True, actor="test", now=NOW)
        return {
            "shift_id": row.id,
            "giver": row.person.key,
            "giver_name": row.person.name,
            "taker": taker.person_key,
            "taker_id": taker.person_id,
            "taker_email": f"{taker.person_key}@checkout.example",
        }


@pytest.fixture
def page(engine, world, scene, clock, tmp_path) -> Iterator:
    """Serve the app in a thread and open headless Chromium on it."""
    from werkzeug.serving import make_server

    app = make_app(engine, clock, tmp_path / "jobs", TESTING=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            context = browser.new_context(
                base_url=f"http://127.0.0.1:{server.server_port}",
                viewport={"width": 1280, "height": 900},
            )
            context.set_default_timeout(10_000)
            yield context.new_page()
            context.close()
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
    link = page.locator("header a.notifications-link")
    text = link.inner_text()
    found = re.fullmatch(r"Notifications(?:\s+(\d+))?", text.strip())
    assert found, text
    return int(found.group(1) or 0)


def screenshots(page, name: str) -> None:
    """Save the page at 1280 px and at a phone's width."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / f"{name}-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_an_offer_reaches_the_badge_the_mailbox_and_the_team_webhook(
    page, scene, sessions, clock, hook
):
    sign_in(page, scene["taker"])
    before = badge(page)
    sign_out(page)

    sign_in(page, scene["giver"])
    page.goto(f"/shifts/{scene['shift_id']}")
    offer_form = page.locator(f'form[action="/shifts/{scene["shift_id"]}/offer"]').filter(
        has=page.locator("select")
    )
    offer_form.locator("select").select_option(str(scene["taker_id"]))
    offer_form.get_by_role("button", name="Offer").click()
    sync_api.expect(page.locator(".flash.ok")).to_have_text("Offer made.")
    sign_out(page)

    sign_in(page, scene["taker"])
    assert badge(page) == before + 1
    page.locator("header a.notifications-link").click()
    page.wait_for_url("**/notifications")
    offer = page.locator("section.notification.unread").filter(
        has_text=f"{scene['giver_name']} offers you a shift"
    )
    sync_api.expect(offer).to_be_visible()
    screenshots(page, "notifications")
    page.get_by_role("button", name="Mark all read").click()
    sync_api.expect(page.locator("section.notification.unread")).to_have_count(0)
    assert badge(page) == 0
    sign_out(page)

    # The sender delivers the email to the test's SMTP server and the payload to its webhook.
    with smtp_server() as (port, box):
        settings = notify.SenderSettings(
            smtp=notify.parse_smtp_url(f"smtp://127.0.0.1:{port}"), timeout=5
        )
        report = notify.send_due(sessions, clock, settings)
    assert report.failed == 0 and report.sent >= 2
    subjects = {
        (to[0], m["Subject"])
        for to, m in box.received
        if m["Subject"].endswith("offers you a shift")
    }
    assert subjects == {(scene["taker_email"], f"{scene['giver_name']} offers you a shift")}
    assert any(
        text.startswith(f"{scene['giver_name']} offers") and "to " in text for text in hook.texts()
    )

    # A webhook that answers 500 shows on the admin's Deliveries page with its error.
    hook.status = 500
    sign_in(page, scene["taker"])
    page.goto("/swaps")
    page.locator("section.card").filter(has_text="offers you a shift").get_by_role(
        "button", name="Accept"
    ).click()
    sync_api.expect(page.locator(".flash.ok")).to_have_text("Swap accepted.")
    sign_out(page)
    assert notify.send_due(sessions, clock, notify.SenderSettings(timeout=5)).failed == 1
    sign_in(page, "root")
    page.locator("header nav").get_by_role("link", name="Deliveries").click()
    row = page.locator("table.deliveries tbody tr").first
    sync_api.expect(row).to_contain_text("answered HTTP 500")
    screenshots(page, "deliveries")
    row.get_by_role("button", name="Retry now").click()
    sync_api.expect(page.locator(".flash")).to_contain_text("will be retried")
