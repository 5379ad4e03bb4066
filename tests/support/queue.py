"""The job queue in tests: the real Redis (database 7), a queue of each test's own, workers.

Tests that need Redis skip when it does not answer, except in CI (`CI` set), where they fail:
CI starts Redis (.ci/run). Every test gets a unique queue name, so runs cannot see each other's
jobs, and its keys are deleted afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REDIS_URL = os.environ.get("ROTA_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
ROTA = str(Path(sys.executable).parent / "rota")

# Two teams that share nobody: two groups, each solved in well under a second.
TWO_GROUPS = """
org: Two groups
timezone: UTC
holidays: []
people:
{people}
teams:
  - id: alpha
    name: Alpha
    members: [a1, a2, a3, a4, a5]
    rotation: {{shift: weekly, handoff: "mon 09:00", roles: [primary, secondary],
               min_roster: 4, min_rest: 7d}}
  - id: bravo
    name: Bravo
    members: [b1, b2, b3, b4, b5]
    rotation: {{shift: weekly, handoff: "tue 10:00", roles: [primary, secondary],
               min_roster: 4, min_rest: 7d}}
leave:
  - {{person: a2, start: 2027-01-11, end: 2027-01-15}}
""".format(
    people="\n".join(
        f"  - {{id: {p}{n}, name: {p.upper()}{n} Person, fte: {1.0 if n != 3 else 0.5}}}"
        for p in "ab"
        for n in range(1, 6)
    )
)


def redis_or_skip():
    """Return a client of the test Redis; skip (fail in CI) when it does not answer."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as err:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have Redis at {REDIS_URL}: {err}")
        pytest.skip(f"no Redis at {REDIS_URL}: {err}")
    return client


def forget(client, queue: str, job_ids: list[str]) -> None:
    """Delete the test's keys: its queue's and its jobs'."""
    keys = set(client.scan_iter(match=f"*{queue}*", count=500))
    for job_id in job_ids:
        keys |= set(client.scan_iter(match=f"*{job_id}*", count=500))
    if keys:
        client.delete(*keys)


class Workers:
    """`rota worker` subprocesses on one test queue, stopped (and their keys gone) at the end."""

    def __init__(self, environ: dict[str, str], log_dir: Path):
        self.environ = environ
        self.log_dir = log_dir
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> subprocess.Popen:
        """Start a worker named `name`; its output goes to LOG_DIR/NAME.log."""
        log = (self.log_dir / f"{name}.log").open("wb")
        unique = f"{self.environ['ROTA_QUEUE']}-{name}"  # worker names are global in Redis
        process = subprocess.Popen(
            [ROTA, "worker", "--name", unique], env=self.environ, stdout=log, stderr=log
        )
        self.processes[name] = process
        return process

    def kill(self, name: str) -> None:
        """SIGKILL a worker (by its name here or in Redis), as a lost machine would end it."""
        process = self.processes[name.removeprefix(self.environ["ROTA_QUEUE"] + "-")]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        """Stop every worker still running (SIGTERM, then SIGKILL)."""
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 10
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def logs(self) -> str:
        """Return every worker's log (for assertion messages)."""
        return "\n".join(
            f"--- {p.name}\n" + p.read_text(errors="replace")[-3000:]
            for p in sorted(self.log_dir.glob("*.log"))
        )


def unique_queue() -> str:
    """Return a queue name no other test run uses."""
    return f"rota-test-{uuid.uuid4().hex[:12]}"
