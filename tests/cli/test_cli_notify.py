"""`rota notify send` as a process: a sender killed between delivery and mark, and bad settings.

The kill shows the documented window (docs/notifications.md#delivery-guarantees): the message
was delivered, the row stays claimed until its lease ends, then the next sender delivers it
again with the same Message-ID, and marks it sent.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from support.database import cli_url
from support.mailservers import smtp_server
from support.notices import give_addresses
from support.world import SWAPS, Scenario

from scheduler.cli.notify import EXIT_AFTER_DELIVERY, EXIT_KILLED
from scheduler.services import notify
from scheduler.store import DeliveryRow, PersonRow

ROTA = Path(sys.executable).parent / "rota"
LEASE = 6  # seconds: longer than a process takes to start on a busy machine


@pytest.fixture
def scenario() -> Scenario:
    return SWAPS


def send_once(db_url: str, smtp_port: int, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ROTA_")}
    environ |= {"ROTA_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}", "ROTA_MAIL_FROM": "r@x.example"}
    command = [ROTA, "notify", "send", "--once", "--lease", str(LEASE), "--timeout", "1"]
    return subprocess.run(
        [*map(str, command), "--db", cli_url(db_url)],
        env=environ | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_sender_killed_after_delivering_leaves_it_to_the_next_after_the_lease(
    sessions, world, db_url
):
    real_now = datetime.now(UTC)  # the process reads the real clock
    with sessions.begin() as session:
        session.query(DeliveryRow).delete()
        give_addresses(session)
        ana = session.get(PersonRow, world.people["ana"])
        notify.enqueue(session, ana, "swap.offer", "An offer", "Ben offers you a shift.", real_now)
    with sessions() as session:
        (delivery_id,) = session.scalars(select(DeliveryRow.id)).all()
    with smtp_server() as (port, box):
        killed = send_once(db_url, port, **{EXIT_AFTER_DELIVERY: "1"})
        assert killed.returncode == EXIT_KILLED, killed.stderr
        assert len(box.received) == 1  # delivered ...
        with sessions() as session:
            row = session.get(DeliveryRow, delivery_id)
            # ... but not marked: still pending, claimed until the lease ends.
            assert (row.status, row.attempts, row.sent_at) == ("pending", 0, None)
            assert row.claimed_until > datetime.now(UTC)
            lease_ends = row.claimed_until

        # Meanwhile another sender finds nothing due: the lease holds.
        smtp = notify.parse_smtp_url(f"smtp://127.0.0.1:{port}")
        meanwhile = notify.send_due(
            sessions, lambda: datetime.now(UTC), notify.SenderSettings(smtp=smtp, timeout=1)
        )
        assert meanwhile.sent == 0 and len(box.received) == 1

        time.sleep(max(0.0, (lease_ends - datetime.now(UTC)).total_seconds()) + 0.2)
        after = send_once(db_url, port)
        assert after.returncode == 0, after.stderr
        assert "1 sent" in after.stdout
        again = send_once(db_url, port)
        assert "0 sent" in again.stdout
    # At least once: the window between delivery and mark delivered it twice, with one key.
    assert len(box.received) == 2
    ids = {message["Message-ID"] for _, message in box.received}
    assert ids == {f"<rota-delivery-{delivery_id}@x.example>"}
    with sessions() as session:
        row = session.get(DeliveryRow, delivery_id)
        assert (row.status, row.attempts, row.claimed_until) == ("sent", 1, None)


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        ((), {"ROTA_SMTP_URL": "smtp://mail.example:99999"}, "ROTA_SMTP_URL: Port out of range"),
        (("--lease", "5", "--timeout", "10"), {}, "--lease (5s) must be longer than --timeout"),
    ],
)
def test_bad_settings_stop_the_sender_with_one_message(args, env, message, tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ROTA_")}
    command = [str(ROTA), "notify", "send", "--once", *args, "--db", f"sqlite:///{tmp_path}/r.db"]
    done = subprocess.run(command, env=environ | env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr
