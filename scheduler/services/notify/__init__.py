"""Notifications: an outbox written in the transaction of the change, and a sender that delivers it.

A change that should tell someone (an offer to them, their offer answered, a swap awaiting
their approval, a published plan that changes their shifts, their shift starting soon) calls
one function of `events` inside its own transaction: the notification rows (the in-app list)
and the delivery rows (one email per recipient with an address, one message to the team's
incoming webhook) commit or roll back with the change. `rota notify send` (`sender`) delivers
the deliveries later through `channels` (SMTP, webhook), with retries and leases, so a slow or
broken mail server never blocks the change. `inbox` is what the pages read and mark.

docs/notifications.md is the contract.
"""

from __future__ import annotations

from scheduler.services.notify.channels import (
    DeliveryError,
    SmtpSettings,
    SmtpUrlError,
    parse_smtp_url,
)
from scheduler.services.notify.events import (
    approval_needed,
    cover_requested,
    offer_answered,
    offer_made,
    plan_published,
    shifts_starting,
)
from scheduler.services.notify.inbox import (
    NotificationNotFound,
    failing_deliveries,
    mark_all_read,
    mark_read,
    notifications_for,
    retry_now,
    unread_count,
)
from scheduler.services.notify.outbox import enqueue, team_message
from scheduler.services.notify.sender import SenderSettings, SendReport, send_due

__all__ = [
    "DeliveryError",
    "NotificationNotFound",
    "SendReport",
    "SenderSettings",
    "SmtpSettings",
    "SmtpUrlError",
    "approval_needed",
    "cover_requested",
    "enqueue",
    "failing_deliveries",
    "mark_all_read",
    "mark_read",
    "notifications_for",
    "offer_answered",
    "offer_made",
    "parse_smtp_url",
    "plan_published",
    "retry_now",
    "send_due",
    "shifts_starting",
    "team_message",
    "unread_count",
]
