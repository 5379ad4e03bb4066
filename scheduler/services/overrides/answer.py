"""Answering an override: accept, decline, withdraw, and a manager's approve or refuse.

Who answers: the cover answers a request, the holder answers an offer; whoever made it may
withdraw it while it is pending; managers of the team (not a party to it) approve or refuse
(docs/rules.md#overrides).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from scheduler.domain.model import PENDING_SWAPS, SwapStatus
from scheduler.services.overrides import apply as applying
from scheduler.services.overrides import notify
from scheduler.services.swaps import rows
from scheduler.services.swaps.errors import (
    SwapForbidden,
    SwapNotFound,
    SwapRefused,
    rolls_back_on_refusal,
)
from scheduler.services.swaps.policy import manager
from scheduler.store import OverrideRow, PersonRow


def override(session: Session, override_id: int) -> OverrideRow:
    """Return an override by id; raise SwapNotFound when there is none."""
    row = session.get(OverrideRow, override_id)
    if row is None:
        raise SwapNotFound(f"There is no override #{override_id}.")
    return row


def answerer(row: OverrideRow) -> int:
    """Return the id of the person who answers an override: the one who was asked."""
    return row.cover_id if row.kind == "request" else row.holder_id


def creator(row: OverrideRow) -> int | None:
    """Return the id of the person who made an override (None: a manager assigned it)."""
    return {"request": row.holder_id, "offer": row.cover_id}.get(row.kind)


@rolls_back_on_refusal
def accept(session: Session, override_id: int, actor_person_id: int, now: datetime) -> OverrideRow:
    """Accept an override asked of the actor: it applies now, or awaits a manager when the
    team's swaps need approval or the team's fairness guard holds it; the override's
    `guard_reason` then says why (docs/fairness.md#the-fairness-guard).

    Raises SwapNotFound for an unknown override, SwapForbidden when it is not the actor's to
    answer, SwapRefused when it is closed, the hours were covered meanwhile, the start has
    passed, or it would break a rule.
    """
    row = override(session, override_id)
    if answerer(row) != actor_person_id:
        raise SwapForbidden("Only the person asked can accept this override.")
    applying.lock_plan(session, row.assignment.plan_id)
    if row.status != SwapStatus.OPEN:
        raise SwapRefused(applying.closed(row))
    actor = rows.person_actor(session, actor_person_id)
    person = session.get(PersonRow, actor_person_id)
    applying.check_fits(session, row.assignment, row.start, row.end, now)
    verdict = applying.guard(session, row.assignment, row.start, row.end, row.cover.key)
    if row.assignment.team.swaps_need_approval or verdict.held:
        applying.refuse_if_broken(session, row.assignment, row.start, row.end, row.cover.key)
        before = applying.state(session, row)
        applying.transition(
            session,
            row,
            (SwapStatus.OPEN,),
            status=SwapStatus.AWAITING_APPROVAL,
            guard_reason=verdict.reason,
        )
        applying.record(session, row, actor, "override.accept", before, now)
        notify.send(session, notify.events(session, row, "awaiting_approval", person), now)
        return row
    applying.apply(session, row, (SwapStatus.OPEN,), actor, "override.accept", now)
    notify.send(session, notify.events(session, row, "accepted", person), now)
    return row


@rolls_back_on_refusal
def approve(session: Session, override_id: int, manager_user_id: int, now: datetime) -> OverrideRow:
    """Approve an accepted override of a team whose swaps need approval; it applies now.

    Raises SwapNotFound for an unknown override or user, SwapForbidden when the user does not
    manage the team or is a party to it, SwapRefused when it is not awaiting approval or would
    now break a rule.
    """
    row = override(session, override_id)
    user = manager(session, manager_user_id, row.assignment.team_id)
    if user.person_id is not None and user.person_id in (row.holder_id, row.cover_id):
        raise SwapForbidden("You are part of this override; another manager of the team can.")
    applying.lock_plan(session, row.assignment.plan_id)
    if row.status != SwapStatus.AWAITING_APPROVAL:
        if row.status == SwapStatus.OPEN:
            raise SwapRefused("Nobody has accepted it yet.")
        raise SwapRefused(applying.closed(row))
    applying.apply(
        session, row, (SwapStatus.AWAITING_APPROVAL,), user.username, "override.approve", now
    )
    notify.send(session, notify.events(session, row, "approved", None), now)
    return row


@rolls_back_on_refusal
def refuse(
    session: Session,
    override_id: int,
    manager_user_id: int,
    now: datetime,
    reason: str | None = None,
) -> OverrideRow:
    """Refuse a pending override as a manager of its team; nothing changes.

    Raises SwapNotFound for an unknown override or user, SwapForbidden when the user does not
    manage the team, SwapRefused when it is no longer pending.
    """
    row = override(session, override_id)
    user = manager(session, manager_user_id, row.assignment.team_id)
    _close(session, row, SwapStatus.REFUSED, user.username, "override.refuse", now, reason)
    notify.send(session, notify.events(session, row, "refused", None), now)
    return row


@rolls_back_on_refusal
def decline(session: Session, override_id: int, actor_person_id: int, now: datetime) -> OverrideRow:
    """Decline an override asked of the actor.

    Raises SwapNotFound for an unknown override, SwapForbidden when it was not asked of the
    actor, SwapRefused when it is no longer open.
    """
    row = override(session, override_id)
    if answerer(row) != actor_person_id:
        raise SwapForbidden("Only the person asked can decline this override.")
    actor = rows.person_actor(session, actor_person_id)
    _close(session, row, SwapStatus.DECLINED, actor, "override.decline", now, states=("open",))
    person = session.get(PersonRow, actor_person_id)
    notify.send(session, notify.events(session, row, "declined", person), now)
    return row


@rolls_back_on_refusal
def cancel(session: Session, override_id: int, actor_person_id: int, now: datetime) -> OverrideRow:
    """Withdraw the actor's own pending override.

    Raises SwapNotFound for an unknown override, SwapForbidden when the actor did not make it,
    SwapRefused when it is no longer pending.
    """
    row = override(session, override_id)
    if creator(row) != actor_person_id:
        raise SwapForbidden("Only the person who made this override can withdraw it.")
    actor = rows.person_actor(session, actor_person_id)
    _close(session, row, SwapStatus.CANCELLED, actor, "override.cancel", now)
    person = session.get(PersonRow, actor_person_id)
    notify.send(session, notify.events(session, row, "cancelled", person), now)
    return row


def _close(
    session: Session,
    row: OverrideRow,
    status: SwapStatus,
    actor: str,
    action: str,
    now: datetime,
    reason: str | None = None,
    states: tuple[str, ...] = PENDING_SWAPS,
) -> None:
    before = applying.state(session, row)
    applying.transition(session, row, states, status=status, decided_at=now, reason=reason)
    applying.record(session, row, actor, action, before, now)
    session.flush()
