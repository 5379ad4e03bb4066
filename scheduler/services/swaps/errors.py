"""Why a swap cannot happen: the refusals the swap services raise, and what they say."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from scheduler.domain.model import SwapStatus
from scheduler.domain.rules import Violation, refusal_lines
from scheduler.store import SwapRow

TAKEN = "this offer was already taken"
CHANGED = "the shift changed meanwhile"


class SwapRefused(Exception):
    """A swap that cannot happen, with the sentence that says why (and the rules it breaks)."""

    def __init__(self, message: str, violations: Iterable[Violation] = ()):
        super().__init__(message)
        self.message = message
        self.violations = list(violations)

    @property
    def lines(self) -> list[str]:
        """Return what to show, one line per broken rule (the message alone for other refusals)."""
        return refusal_lines(self.violations) or [self.message]


class SwapNotFound(SwapRefused, LookupError):
    """No such swap, shift, person or user."""


class SwapForbidden(SwapRefused, PermissionError):
    """Not the actor's to do: a shift they do not hold, a swap not theirs to answer or approve."""


def rolls_back_on_refusal(service: Callable) -> Callable:
    """Wrap a service so that a refusal rolls its session back before it propagates."""

    @functools.wraps(service)
    def wrapper(session: Session, *args, **kwargs):
        try:
            return service(session, *args, **kwargs)
        except SwapRefused:
            session.rollback()
            raise

    return wrapper


def closed(swap: SwapRow) -> str:
    """Say why a swap is no longer open."""
    if swap.status in (SwapStatus.ACCEPTED, SwapStatus.AWAITING_APPROVAL):
        return TAKEN
    if swap.status == SwapStatus.CANCELLED:
        return swap.reason or "The offer was withdrawn."
    if swap.status == SwapStatus.DECLINED:
        return "The offer was declined."
    if swap.status == SwapStatus.REFUSED:
        return "A manager refused this swap." + (f" {swap.reason}" if swap.reason else "")
    return f"This swap is {swap.status}."
