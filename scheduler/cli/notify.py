"""`rota notify send`: deliver the notification outbox by email and to teams' webhooks.

Settings come from the environment (docs/notifications.md#settings): `ROTA_SMTP_URL`,
`ROTA_MAIL_FROM`, `ROTA_BASE_URL`. Each round first reminds the holders of shifts starting
within 24 hours (idempotent), then delivers what is due.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

import click

from scheduler.cli.common import BadInput, FloatRange, database, db_option, now, warn

# Test hook: exit right after a delivery, before it is marked sent (docs/notifications.md#
# delivery-guarantees shows what the next sender does then). Never set it in production.
EXIT_AFTER_DELIVERY = "ROTA_NOTIFY_TEST_EXIT_AFTER_DELIVERY"
EXIT_KILLED = 75


@click.group()
def notify() -> None:
    """Deliver notifications (email, team webhooks)."""


@notify.command("send")
@click.option("--once", is_flag=True, help="Run one round and exit (default: loop).")
@click.option(
    "--interval",
    default=30.0,
    show_default=True,
    type=FloatRange(0.1),
    metavar="SECONDS",
    help="Pause between rounds.",
)
@click.option(
    "--lease",
    default=300,
    show_default=True,
    type=click.IntRange(1, 86400),
    metavar="SECONDS",
    help="How long a claimed delivery stays this sender's (must outlast --timeout).",
)
@click.option(
    "--timeout",
    default=10.0,
    show_default=True,
    type=FloatRange(0.1, 300),
    metavar="SECONDS",
    help="Network timeout of one SMTP or webhook delivery.",
)
@db_option
def send(once, interval, lease, timeout, db_url):
    """Deliver due notifications; retries with backoff; loops until interrupted."""
    from scheduler.services import notify as notices

    settings = sender_settings(os.environ, lease, timeout)
    if settings.smtp is None:
        warn("ROTA_SMTP_URL is not set: emails wait in the outbox; webhooks are sent")
    hook = _exit_after_delivery if os.environ.get(EXIT_AFTER_DELIVERY) == "1" else None
    with database(db_url) as sessions:
        while True:
            with sessions.begin() as session:
                reminded = notices.shifts_starting(session, now())
            report = notices.send_due(sessions, now, settings, after_delivery=hook)
            for error in report.errors:
                click.echo(error, err=True)
            if once or report.sent or report.failed or report.gave_up or reminded:
                click.echo(
                    f"{reminded} reminders queued; {report.sent} sent, {report.failed} failed "
                    f"(retried later), {report.gave_up} given up"
                )
            if once:
                return
            time.sleep(interval)


def sender_settings(environ, lease: int, timeout: float):
    """Read the sender's settings from the environment; BadInput for a bad ROTA_SMTP_URL."""
    from scheduler.services import notify as notices

    if lease <= timeout:
        raise BadInput(f"--lease ({lease}s) must be longer than --timeout ({timeout:g}s)")
    smtp = None
    if environ.get("ROTA_SMTP_URL"):
        try:
            smtp = notices.parse_smtp_url(environ["ROTA_SMTP_URL"])
        except notices.SmtpUrlError as err:
            raise BadInput(str(err)) from None
    return notices.SenderSettings(
        smtp=smtp,
        mail_from=environ.get("ROTA_MAIL_FROM") or "Rota <rota@localhost>",
        base_url=environ.get("ROTA_BASE_URL") or None,
        lease=timedelta(seconds=lease),
        timeout=timeout,
    )


def _exit_after_delivery(delivery_id: int) -> None:
    click.echo(f"{EXIT_AFTER_DELIVERY}: exiting after delivery #{delivery_id}", err=True)
    os._exit(EXIT_KILLED)
