"""Offering and answering swaps: offer, trade, accept, approve, refuse, decline, cancel.

Each tells the people concerned through `notify.events`, in the same transaction.

Every service takes a session and `now`, leaves the commit to the caller, and rolls the session
back when it refuses (see `errors.rolls_back_on_refusal`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain.model import PENDING_SWAPS, Role, SwapStatus
from scheduler.services.notify import events as notices
from scheduler.services.swaps import rows
from scheduler.services.swaps.carry_out import (
    carry_out,
    close,
    judged_moves,
    lock_plans,
    transition,
)
from scheduler.services.swaps.check import Board
from scheduler.services.swaps.errors import (
    SwapForbidden,
    SwapRefused,
    closed,
    rolls_back_on_refusal,
)
from scheduler.services.swaps.policy import (
    check_holder,
    check_may_answer,
    check_not_party,
    check_swappable,
    manager,
    refuse_if_broken,
)
from scheduler.store import SwapRow


@rolls_back_on_refusal
def offer(
    session: Session,
    assignment_id: int,
    actor_person_id: int,
    to_person_id: int | None,
    now: datetime,
) -> SwapRow:
    """Offer the actor's shift to a named teammate, or to anyone eligible (`to_person_id` None).

    Raises SwapNotFound for an unknown shift or teammate, SwapForbidden when the actor does not
    hold the shift, SwapRefused when it cannot be swapped, the teammate could not take it, or it
    is already on offer.
    """
    row = rows.assignment(session, assignment_id)
    check_holder(row, actor_person_id)
    check_swappable(row, now)
    if to_person_id is not None:
        if to_person_id == actor_person_id:
            raise SwapRefused("You cannot offer a shift to yourself.")
        taker = rows.person(session, to_person_id, row.plan.org_id)
        refuse_if_broken(Board(session, [row]), {row.id: taker.key})
    duplicate = session.scalar(
        select(SwapRow.id).where(
            SwapRow.assignment_id == row.id,
            SwapRow.other_assignment_id.is_(None),
            SwapRow.from_person_id == actor_person_id,
            SwapRow.to_person_id.is_(None)
            if to_person_id is None
            else SwapRow.to_person_id == to_person_id,
            SwapRow.status.in_(PENDING_SWAPS),
        )
    )
    if duplicate is not None:
        raise SwapRefused(f"This shift is already on offer (swap #{duplicate}).")
    swap = SwapRow(
        assignment_id=row.id,
        from_person_id=actor_person_id,
        to_person_id=to_person_id,
        status=SwapStatus.OPEN,
        created_at=now,
    )
    return _created(session, swap, "swap.offer", actor_person_id, now)


@rolls_back_on_refusal
def propose_trade(
    session: Session,
    assignment_id: int,
    other_assignment_id: int,
    actor_person_id: int,
    now: datetime,
) -> SwapRow:
    """Propose to trade the actor's shift for a teammate's shift of the same team.

    Raises SwapNotFound for an unknown shift, SwapForbidden when the actor does not hold the
    first shift, SwapRefused when they hold both, the shifts are of different teams, either
    cannot be swapped or the trade breaks a rule.
    """
    mine = rows.assignment(session, assignment_id)
    theirs = rows.assignment(session, other_assignment_id)
    check_holder(mine, actor_person_id)
    if theirs.person_id == actor_person_id:
        raise SwapRefused("You hold both shifts; a trade is with a teammate's shift.")
    if mine.team_id != theirs.team_id:
        raise SwapRefused("A trade is between two shifts of the same team.")
    if (mine.role == Role.SHADOW) != (theirs.role == Role.SHADOW):
        raise SwapRefused("A shadow place trades only for another shadow place.")
    for row in (mine, theirs):
        check_swappable(row, now)
    board = Board(session, [mine, theirs])
    refuse_if_broken(board, {mine.id: theirs.person.key, theirs.id: mine.person.key})
    swap = SwapRow(
        assignment_id=mine.id,
        other_assignment_id=theirs.id,
        from_person_id=actor_person_id,
        to_person_id=theirs.person_id,
        status=SwapStatus.OPEN,
        created_at=now,
    )
    return _created(session, swap, "swap.trade", actor_person_id, now)


@rolls_back_on_refusal
def accept(session: Session, swap_id: int, actor_person_id: int, now: datetime) -> SwapRow:
    """Accept an offer or a trade: it applies now, or awaits a manager when the team asks so.

    It awaits a manager too when the team's fairness guard holds it; the swap's `guard_reason`
    then says why (docs/fairness.md#the-fairness-guard).

    Raises SwapNotFound for an unknown swap or a person of another org, SwapForbidden when the
    swap is not the actor's to answer (`policy.may_answer`), SwapRefused when it is closed or
    would break a rule.
    """
    swap = rows.swap(session, swap_id)
    check_may_answer(session, swap, actor_person_id)
    lock_plans(session, swap)
    if swap.status != SwapStatus.OPEN:
        raise SwapRefused(closed(swap))
    rows.person(session, actor_person_id, swap.assignment.plan.org_id)
    judged = judged_moves(session, swap, actor_person_id, now)
    actor = rows.person_actor(session, actor_person_id)
    verdict = judged.guard()
    if swap.assignment.team.swaps_need_approval or verdict.held:
        before = rows.state(session, swap)
        transition(
            session,
            swap,
            (SwapStatus.OPEN,),
            status=SwapStatus.AWAITING_APPROVAL,
            accepted_by_id=actor_person_id,
            guard_reason=verdict.reason,
        )
        rows.audit(session, swap, actor, "swap.accept", before, now)
        notices.offer_answered(session, swap, now)
        notices.approval_needed(session, swap, now)
        return swap
    carry_out(
        session, swap, SwapStatus.OPEN, judged.moves, actor_person_id, actor, "swap.accept", now
    )
    notices.offer_answered(session, swap, now)
    return swap


@rolls_back_on_refusal
def approve(session: Session, swap_id: int, manager_user_id: int, now: datetime) -> SwapRow:
    """Approve an accepted swap of a team that asks for approval; it applies now.

    Raises SwapNotFound for an unknown swap or user, SwapForbidden when the user does not manage
    the team or is part of the swap, SwapRefused when nobody accepted the swap, it is closed,
    or it would now break a rule.
    """
    swap = rows.swap(session, swap_id)
    user = manager(session, manager_user_id, swap.assignment.team_id)
    check_not_party(swap, user)
    lock_plans(session, swap)
    if swap.status != SwapStatus.AWAITING_APPROVAL:
        if swap.status == SwapStatus.OPEN:
            raise SwapRefused("Nobody has accepted it yet.")
        raise SwapRefused(closed(swap))
    moves = judged_moves(session, swap, swap.accepted_by_id, now).moves
    carry_out(
        session,
        swap,
        SwapStatus.AWAITING_APPROVAL,
        moves,
        swap.accepted_by_id,
        user.username,
        "swap.approve",
        now,
    )
    notices.offer_answered(session, swap, now)
    return swap


@rolls_back_on_refusal
def refuse(
    session: Session, swap_id: int, manager_user_id: int, now: datetime, reason: str | None = None
) -> SwapRow:
    """Refuse a pending swap as a manager of its team; nothing changes hands.

    Raises SwapNotFound for an unknown swap or user, SwapForbidden when the user does not
    manage the team, SwapRefused when the swap is no longer pending.
    """
    swap = rows.swap(session, swap_id)
    user = manager(session, manager_user_id, swap.assignment.team_id)
    close(session, swap, SwapStatus.REFUSED, user.username, "swap.refuse", now, reason)
    notices.offer_answered(session, swap, now)
    return swap


@rolls_back_on_refusal
def decline(session: Session, swap_id: int, actor_person_id: int, now: datetime) -> SwapRow:
    """Decline an offer or trade made to the actor by name.

    Raises SwapNotFound for an unknown swap, SwapForbidden when it was not made to the actor,
    SwapRefused when it is no longer open.
    """
    swap = rows.swap(session, swap_id)
    if swap.to_person_id != actor_person_id:
        raise SwapForbidden("Only the person an offer was made to can decline it.")
    actor = rows.person_actor(session, actor_person_id)
    close(session, swap, SwapStatus.DECLINED, actor, "swap.decline", now, states=(SwapStatus.OPEN,))
    notices.offer_answered(session, swap, now)
    return swap


@rolls_back_on_refusal
def cancel(session: Session, swap_id: int, actor_person_id: int, now: datetime) -> SwapRow:
    """Withdraw the actor's own pending offer or trade.

    Raises SwapNotFound for an unknown swap, SwapForbidden when the actor did not make it,
    SwapRefused when it is no longer pending.
    """
    swap = rows.swap(session, swap_id)
    if swap.from_person_id != actor_person_id:
        raise SwapForbidden("Only the person who made an offer can withdraw it.")
    actor = rows.person_actor(session, actor_person_id)
    return close(session, swap, SwapStatus.CANCELLED, actor, "swap.cancel", now)


def _created(
    session: Session, swap: SwapRow, action: str, actor_person_id: int, now: datetime
) -> SwapRow:
    session.add(swap)
    session.flush()
    actor = rows.person_actor(session, actor_person_id)
    rows.audit(session, swap, actor, action, None, now)
    notices.offer_made(session, swap, now)
    return swap
