"""Shift swaps: offer a shift, trade two, accept, approve, never breaking a rule or double-booking.

Services take a session and `now` and leave the commit to the caller (one unit of work per
request). A refused call rolls the session back, so nothing of it can be committed by mistake,
and raises `SwapRefused` with a sentence to show the user: a rule's own explanation when the
rulebook says no. Its subclasses say when the swap, shift or person does not exist
(`SwapNotFound`) and when it is not the actor's to do (`SwapForbidden`).

Judging a swap: the whole rulebook runs on every published plan the change touches, with the
change applied, and only violations the change introduces count (`check.Board`): a problem
already in the plan elsewhere must not block every swap of the quarter. Carrying one out is a
compare-and-set in the caller's transaction (`carry_out`).

Modules: `offers` (the services), `listing` (who sees which swaps), `policy` (who may do
what, which shifts may be swapped), `carry_out` (the atomic change), `preview` (fairness
effect, suggested takers), `check` (the plans a change affects), `errors` (refusals) and
`rows` (lookups, and names for the audit log).
"""

from __future__ import annotations

from scheduler.services.swaps import carry_out
from scheduler.services.swaps.errors import (
    CHANGED,
    TAKEN,
    SwapForbidden,
    SwapNotFound,
    SwapRefused,
)
from scheduler.services.swaps.listing import awaiting_approval_for, open_swaps_for, visible_swaps
from scheduler.services.swaps.offers import (
    accept,
    approve,
    cancel,
    decline,
    offer,
    propose_trade,
    refuse,
)
from scheduler.services.swaps.policy import can_offer, may_answer
from scheduler.services.swaps.preview import (
    FairnessChange,
    Suggestion,
    SwapPreview,
    preview,
    suggest_takers,
    tradable,
)

__all__ = [
    "CHANGED",
    "TAKEN",
    "FairnessChange",
    "Suggestion",
    "SwapForbidden",
    "SwapNotFound",
    "SwapPreview",
    "SwapRefused",
    "accept",
    "approve",
    "awaiting_approval_for",
    "can_offer",
    "cancel",
    "carry_out",
    "decline",
    "may_answer",
    "offer",
    "open_swaps_for",
    "preview",
    "propose_trade",
    "refuse",
    "suggest_takers",
    "tradable",
    "visible_swaps",
]
