"""Overrides: someone covers part of a shift (docs/rules.md#overrides).

The holder asks someone (`request_cover`, the cover accepts), someone offers to cover
(`offer_cover`, the holder accepts), or a manager sets it (`assign_cover`, applied at once).
Per the team's `swaps_need_approval`, or when the team's fairness guard holds it, an accepted
override then waits for a manager (`approve`, `refuse`). Applying one splits the published
assignment into pieces that the whole rulebook judges, and is a compare-and-set on the
assignment's revision after locking its plan, as swaps are (services/swaps/carry_out.py): two
people covering the same hours at once, one wins.

Services take a session and `now`, leave the commit to the caller, and roll the session back
when they refuse, raising the swap refusals (`SwapRefused`, `SwapNotFound`, `SwapForbidden`)
with a sentence to show. Where people would be told, `notify.events` says what to tell them.

Modules: `create` (the three ways to start one), `answer` (accept, decline, cancel, approve,
refuse), `apply` (judging and the atomic change), `listing` (what people and pages see,
eligible covers) and `notify` (the notification call sites).
"""

from __future__ import annotations

from scheduler.services.overrides.answer import accept, approve, cancel, decline, refuse
from scheduler.services.overrides.apply import check_fits
from scheduler.services.overrides.create import assign_cover, offer_cover, request_cover
from scheduler.services.overrides.listing import (
    accepted_of,
    covers_of_rows,
    eligible_covers,
    guard_covers,
    pending_for,
    visible_overrides,
)
from scheduler.services.overrides.notify import Notice, events

__all__ = [
    "Notice",
    "accept",
    "accepted_of",
    "approve",
    "assign_cover",
    "cancel",
    "check_fits",
    "covers_of_rows",
    "decline",
    "eligible_covers",
    "events",
    "guard_covers",
    "offer_cover",
    "pending_for",
    "refuse",
    "request_cover",
    "visible_overrides",
]
