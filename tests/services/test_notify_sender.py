"""The sender against real servers: SMTP (aiosmtpd) and a webhook receiver, failures and retries,
and two senders that never deliver one row twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from support.clock import Clock
from support.mailservers import free_port, silent, smtp_server, webhook_server
from support.notices import deliveries, give_addresses
from support.world import SWAPS, Scenario

from scheduler.services import notify
from scheduler.services.notify import sender
from scheduler.store import AuditRow, DeliveryRow, PersonRow, TeamRow

NOW = SWAPS.now


@pytest.fixture
def scenario() -> Scenario:
    return SWAPS


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


def settings(smtp_port: int | None = None, **fields) -> notify.SenderSettings:
    smtp = notify.parse_smtp_url(f"smtp://127.0.0.1:{smtp_port}") if smtp_port else None
    fields.setdefault("timeout", 2.0)
    return notify.SenderSettings(smtp=smtp, mail_from="Rota <rota@acme.example>", **fields)


def outbox(sessions, world, hook_url: str | None = None) -> tuple[int, int | None]:
    """Queue one notification to Ana (email) and, with a hook, one team message; return ids."""
    with sessions.begin() as session:
        session.query(DeliveryRow).delete()  # what the world's first publish queued
        give_addresses(session, hook_url)
        ana = session.get(PersonRow, world.people["ana"])
        row = notify.enqueue(
            session, ana, "swap.offer", "Ben offers you a shift", "Body & <b>", NOW, link="/swaps"
        )
        email = session.scalar(select(DeliveryRow.id).where(DeliveryRow.notification_id == row.id))
        team = session.get(TeamRow, world.teams["ops"])
        hook = notify.team_message(session, team, "Ben <!channel> offers & more", NOW)
        session.flush()
        return email, hook.id if hook is not None else None


def test_an_email_reaches_the_smtp_server_once_and_is_marked_sent(sessions, world, clock):
    email_id, _ = outbox(sessions, world)
    with smtp_server() as (port, box):
        report = notify.send_due(sessions, clock, settings(port, base_url="https://rota.example/"))
        assert (report.sent, report.failed) == (1, 0)
        assert notify.send_due(sessions, clock, settings(port)).sent == 0  # never twice
    ((recipients, message),) = box.received
    assert recipients == ["ana@example.org"]
    assert message["Subject"] == "Ben offers you a shift"
    assert message["From"] == "Rota <rota@acme.example>"
    assert message["Message-ID"] == f"<rota-delivery-{email_id}@acme.example>"
    text = message.get_payload(decode=True).decode()
    assert "Body & <b>" in text and "https://rota.example/swaps" in text
    with sessions() as session:
        row = session.get(DeliveryRow, email_id)
        assert (row.status, row.attempts, row.sent_at, row.claimed_until) == ("sent", 1, NOW, None)


def test_a_webhook_gets_slack_json_with_an_idempotency_key(sessions, world, clock):
    with webhook_server() as hook:
        _, hook_id = outbox(sessions, world, hook.url)
        report = notify.send_due(sessions, clock, settings())  # no SMTP: email waits
        assert report.sent == 1
    ((headers, body),) = hook.received
    assert body == {"text": "Ben &lt;!channel&gt; offers &amp; more"}
    assert headers["Idempotency-Key"] == f"rota-delivery-{hook_id}"
    assert headers["Content-Type"] == "application/json"
    with sessions() as session:
        statuses = {d.channel: d.status for d in deliveries(session)}
        assert statuses == {"email": "pending", "webhook": "sent"}
        assert deliveries(session, "email")[0].attempts == 0  # never claimed without SMTP


def test_a_refusing_smtp_server_is_retried_with_backoff_until_it_answers(sessions, world, clock):
    email_id, _ = outbox(sessions, world)
    port = free_port()
    report = notify.send_due(sessions, clock, settings(port))
    assert (report.sent, report.failed) == (0, 1)
    assert "refused the connection" in report.errors[0]
    with sessions() as session:
        row = session.get(DeliveryRow, email_id)
        assert (row.status, row.attempts, row.claimed_until) == ("pending", 1, None)
        assert row.last_error == f"SMTP server 127.0.0.1:{port} refused the connection"
        assert row.next_attempt_at == NOW + timedelta(minutes=1)
        assert [d.id for d in notify.failing_deliveries(session)] == [email_id]
    clock.now = NOW + timedelta(seconds=59)
    assert notify.send_due(sessions, clock, settings(port)).failed == 0  # not due yet
    clock.now = NOW + timedelta(seconds=61)
    assert notify.send_due(sessions, clock, settings(port)).failed == 1
    with sessions() as session:
        row = session.get(DeliveryRow, email_id)
        assert row.attempts == 2 and row.next_attempt_at == clock.now + timedelta(minutes=2)
    clock.now += timedelta(minutes=2)
    with smtp_server() as (good_port, box):
        assert notify.send_due(sessions, clock, settings(good_port)).sent == 1
    assert len(box.received) == 1
    with sessions() as session:
        assert session.get(DeliveryRow, email_id).status == "sent"
        assert notify.failing_deliveries(session) == []


def test_an_smtp_server_that_never_answers_times_out(sessions, world, clock):
    email_id, _ = outbox(sessions, world)
    with silent() as port:
        report = notify.send_due(sessions, clock, settings(port, timeout=0.3))
    assert report.failed == 1
    with sessions() as session:
        error = session.get(DeliveryRow, email_id).last_error
    assert error == f"SMTP server 127.0.0.1:{port} timed out after 0.3s"


def test_a_webhook_answering_500_fails_then_retry_now_delivers(sessions, world, clock):
    with webhook_server() as hook:
        _, hook_id = outbox(sessions, world, hook.url)
        hook.status = 500
        assert notify.send_due(sessions, clock, settings()).failed == 1
        with sessions.begin() as session:
            (row,) = notify.failing_deliveries(session)
            assert row.id == hook_id and row.next_attempt_at == NOW + timedelta(minutes=1)
            host = hook.url.rsplit("/hooks", 1)[0]
            assert row.last_error == f"webhook {host} answered HTTP 500 internal error: try later"
            notify.retry_now(session, hook_id, "admin", NOW)
        hook.status = 200
        assert notify.send_due(sessions, clock, settings()).sent == 1
    assert len(hook.received) == 1
    with sessions() as session:
        entry = session.scalars(select(AuditRow).where(AuditRow.action == "delivery.retry")).one()
        assert entry.entity_id == str(hook_id) and entry.org_id == world.org_id


def test_a_delivery_gives_up_after_the_last_attempt_until_retried(sessions, world, clock):
    with webhook_server() as hook:
        _, hook_id = outbox(sessions, world, hook.url)
        hook.status = 500
        for _ in range(sender.MAX_ATTEMPTS):
            report = notify.send_due(sessions, clock, settings())
            clock.now += sender.LONGEST_RETRY
        assert report.gave_up == 1
        assert notify.send_due(sessions, clock, settings()).failed == 0
        with sessions.begin() as session:
            row = session.get(DeliveryRow, hook_id)
            assert (row.status, row.attempts) == ("failed", sender.MAX_ATTEMPTS)
            notify.retry_now(session, hook_id, "admin", clock.now)
        hook.status = 200
        assert notify.send_due(sessions, clock, settings()).sent == 1
    with sessions() as session, pytest.raises(ValueError, match="sent already"):
        notify.retry_now(session, hook_id, "admin", clock.now)


def test_backoff_doubles_from_a_minute_up_to_six_hours():
    waits = [sender.backoff(n) for n in range(1, 12)]
    assert waits[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert waits[-1] == timedelta(hours=6) and waits == sorted(waits)


def test_a_claim_is_a_compare_and_set_that_holds_for_its_lease(sessions, world, clock):
    with webhook_server() as hook:
        _, hook_id = outbox(sessions, world, hook.url)
    first, second = settings(worker="first"), settings(worker="second")
    assert sender.claim(sessions, hook_id, NOW, first)
    assert not sender.claim(sessions, hook_id, NOW + timedelta(minutes=4), second)
    later = NOW + first.lease
    assert sender.claim(sessions, hook_id, later, second)  # the first sender's lease ran out
    assert sender.finish(sessions, hook_id, "first", later, None) is None  # not its claim now
    assert sender.finish(sessions, hook_id, "second", later, None) == "sent"


def test_two_senders_at_once_deliver_every_message_exactly_once(sessions, world, clock):
    with webhook_server() as hook:
        outbox(sessions, world, hook.url)
        with sessions.begin() as session:
            team = session.get(TeamRow, world.teams["ops"])
            for n in range(24):
                notify.team_message(session, team, f"message {n}", NOW)
        reports = []

        def run(worker: str) -> None:
            reports.append(notify.send_due(sessions, clock, settings(worker=worker, batch=100)))

        threads = [threading.Thread(target=run, args=(w,)) for w in ("one", "two")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    keys = [headers["Idempotency-Key"] for headers, _ in hook.received]
    assert len(keys) == 25 and len(set(keys)) == 25
    assert sum(r.sent for r in reports) == 25
    with sessions() as session:
        assert {d.status for d in deliveries(session, "webhook")} == {"sent"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example", notify.SmtpSettings("mail.example", 25)),
        (
            "smtps://u%40x:p%3Aw@mail.example",
            notify.SmtpSettings("mail.example", 465, True, False, "u@x", "p:w"),
        ),
        (
            "smtp://mail.example:587?starttls=1",
            notify.SmtpSettings("mail.example", 587, False, True),
        ),
    ],
)
def test_smtp_urls_name_host_port_tls_and_login(url, expected):
    assert notify.parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://mail.example", 'the scheme must be smtp:// or smtps://, got "http"'),
        ("smtp://", "no host"),
        ("smtp://mail.example:port", "Port could not be cast"),
        ("smtp://mail.example?tls=1", "unknown option 'tls'"),
        ("smtps://mail.example?starttls=1", "smtps:// is TLS already"),
    ],
)
def test_bad_smtp_urls_say_which_part_is_wrong(url, message):
    with pytest.raises(notify.SmtpUrlError, match="ROTA_SMTP_URL") as caught:
        notify.parse_smtp_url(url)
    assert message in str(caught.value)
