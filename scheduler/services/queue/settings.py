"""Where the job queue is and how patient it is: read from the environment (docs/service.md).

`ROTA_REDIS_URL` turns the queue on; without it every solve runs embedded. The other settings
tune how fast a dead worker's job is taken over (docs/service.md#when-a-worker-dies).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

REDIS_ENV = "ROTA_REDIS_URL"


class QueueUnavailable(RuntimeError):
    """Redis cannot be reached (or its URL is unusable); the message names ROTA_REDIS_URL."""


@dataclass(frozen=True)
class QueueSettings:
    """How the queue runs, in seconds unless named otherwise.

    `queue` is the RQ queue name (one per deployment: several can share a Redis); `retries` how
    often a job whose worker died is started again; `grace` how long after a worker's last
    heartbeat its job counts as abandoned; `heartbeat` how often a busy worker says it lives;
    `cleanup` how often an idle worker looks for abandoned jobs; `job_grace` how long a job may
    run past its solve's time limit before it is stopped and reported failed.
    """

    queue: str = "rota"
    retries: int = 2
    grace: int = 60
    heartbeat: int = 10
    cleanup: int = 30
    job_grace: int = 60
    keep: int = 24 * 3600  # seconds a finished job's results are kept

    @classmethod
    def from_environ(cls, environ: dict[str, str] | None = None) -> QueueSettings:
        """Read ROTA_QUEUE, ROTA_JOB_RETRIES, ROTA_WORKER_GRACE, ROTA_WORKER_HEARTBEAT,
        ROTA_WORKER_CLEANUP and ROTA_JOB_GRACE; raises ValueError naming a bad one."""
        environ = os.environ if environ is None else environ
        values = {}
        for field, name, least in (
            ("retries", "ROTA_JOB_RETRIES", 0),
            ("grace", "ROTA_WORKER_GRACE", 1),
            ("heartbeat", "ROTA_WORKER_HEARTBEAT", 1),
            ("cleanup", "ROTA_WORKER_CLEANUP", 1),
            ("job_grace", "ROTA_JOB_GRACE", 1),
        ):
            text = environ.get(name, "").strip()
            if not text:
                continue
            if not text.isdigit() or int(text) < least:
                raise ValueError(f"{name}={text!r}: give a whole number of at least {least}")
            values[field] = int(text)
        queue = environ.get("ROTA_QUEUE", "").strip()
        return cls(queue=queue or cls.queue, **values)


def redis_url(environ: dict[str, str] | None = None) -> str | None:
    """Return ROTA_REDIS_URL, or None when solves run embedded."""
    environ = os.environ if environ is None else environ
    return environ.get(REDIS_ENV, "").strip() or None


def connect(url: str):
    """Open Redis at `url` and check it answers; return the redis.Redis client.

    Raises QueueUnavailable, naming ROTA_REDIS_URL and the URL (password hidden), when the URL
    is unusable or nothing answers there.
    """
    import redis

    shown = _shown(url)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
        client.ping()
    except ValueError as err:
        raise QueueUnavailable(f"{REDIS_ENV}={shown} is not a Redis URL: {err}") from None
    except redis.RedisError as err:
        raise QueueUnavailable(
            f"cannot reach Redis at {shown} ({REDIS_ENV}): {str(err).rstrip('.')}; start Redis "
            f"or unset {REDIS_ENV} to solve without workers"
        ) from None
    return client


def _shown(url: str) -> str:
    """Return the URL with any password masked."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user + ':***' if ':' in credentials else user}@{host}"
