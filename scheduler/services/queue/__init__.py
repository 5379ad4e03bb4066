"""Solves on a job queue (RQ on Redis), run by `rota worker` processes on any machine.

With ROTA_REDIS_URL set, the web's generate and `rota plan --db` submit plans here instead of
solving in-process (docs/service.md). `settings` reads the environment, `submit` enqueues a plan
and reads its state, `tasks` holds the jobs the workers run, `worker` the worker itself.
"""

from scheduler.services.queue.settings import (
    REDIS_ENV,
    QueueSettings,
    QueueUnavailable,
    connect,
    redis_url,
)
from scheduler.services.queue.submit import (
    PlanStatus,
    plan_status,
    running_plan,
    submit_plan,
)

__all__ = [
    "REDIS_ENV",
    "PlanStatus",
    "QueueSettings",
    "QueueUnavailable",
    "connect",
    "plan_status",
    "redis_url",
    "running_plan",
    "submit_plan",
]
