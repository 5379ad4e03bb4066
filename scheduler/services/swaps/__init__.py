"""Shift swaps: offer a shift, trade two, accept, approve, never breaking a rule or double-booking.

Services take a session and `now` and leave the commit to the caller (one unit of work per
request). A refused call rolls the session back, so nothing of it can be committed by mistake,
and raises `SwapRefused` with a sentence to show the user: a rule's own explanation when the
rulebook says no.

Judging a swap: the whole rulebook runs on every published plan the change touches, with the
change applied, and only violations the change introduces count (see `swapcheck`): a problem
already in the plan elsewhere must not block every swap of the quarter.

Atomicity: carrying out a swap is a compare-and-set in the caller's transaction. The swap row
moves only from the state it was read in (`WHERE status = 'open'`), each assignment only from
the person and revision the rulebook judged (`WHERE person_id = :expected AND revision = :rev`,
bumping the revision); a row count other than one rolls everything back. Before judging,
the plans involved are locked (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite engines from
`store.make_engine` take the write lock at `BEGIN IMMEDIATE`), so swaps of one plan queue, are
judged against what the one before them committed, and two swaps that are each fine alone
cannot together break a rule. Pending swaps of a shift that changes hands are closed.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from math import inf
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from scheduler.domain.rules import Violation
from scheduler.services import accounts, audit
from scheduler.services.swaps.check import Board, ratios
from scheduler.store import (
    AssignmentRow,
    ManagerRow,
    MembershipRow,
    PersonRow,
    PlanRow,
    SwapRow,
    UserRow,
)

PENDING = ("open", "awaiting_approval")
TAKEN = "this offer was already taken"
CHANGED = "the shift changed meanwhile"


class SwapRefused(Exception):
    """A swap that cannot happen, with the sentence that says why (and the rules it breaks)."""

    def __init__(self, message: str, violations: Iterable[Violation] = ()):
        super().__init__(message)
        self.message = message
        self.violations = list(violations)


class SwapNotFound(SwapRefused, LookupError):
    """No such swap, shift, person or user."""


@dataclass(frozen=True)
class FairnessChange:
    person_key: str
    name: str
    ratio_before: float | None
    ratio_after: float | None


@dataclass(frozen=True)
class SwapPreview:
    violations: list[Violation]
    fairness: list[FairnessChange]

    @property
    def allowed(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class Suggestion:
    person_id: int
    person_key: str
    name: str
    max_ratio_after: float
    ratio_after: float | None = None


def _refuse_if_broken(board: Board, changes: dict[int, str]) -> None:
    found = board.judge(changes)
    if found:
        raise SwapRefused(" ".join(v.message for v in found), found)


# --- the services ------------------------------------------------------------------------------


def _rolls_back_on_refusal(service: Callable) -> Callable:
    @functools.wraps(service)
    def wrapper(session: Session, *args, **kwargs):
        try:
            return service(session, *args, **kwargs)
        except SwapRefused:
            session.rollback()
            raise

    return wrapper


@_rolls_back_on_refusal
def offer(
    session: Session,
    assignment_id: int,
    actor_person_id: int,
    to_person_id: int | None,
    now: datetime,
) -> SwapRow:
    """Offer the actor's shift to a named teammate, or to anyone eligible (`to_person_id` None)."""
    row = _assignment(session, assignment_id)
    _check_swappable(row, now)
    if row.person_id != actor_person_id:
        raise SwapRefused("Only the person who holds a shift can offer it.")
    if to_person_id is not None:
        if to_person_id == actor_person_id:
            raise SwapRefused("You cannot offer a shift to yourself.")
        taker = _person(session, to_person_id, row.plan.org_id)
        _refuse_if_broken(Board(session, [row]), {row.id: taker.key})
    duplicate = session.scalar(
        select(SwapRow.id).where(
            SwapRow.assignment_id == row.id,
            SwapRow.other_assignment_id.is_(None),
            SwapRow.from_person_id == actor_person_id,
            SwapRow.to_person_id.is_(None)
            if to_person_id is None
            else SwapRow.to_person_id == to_person_id,
            SwapRow.status.in_(PENDING),
        )
    )
    if duplicate is not None:
        raise SwapRefused(f"This shift is already on offer (swap #{duplicate}).")
    swap = SwapRow(
        assignment_id=row.id,
        from_person_id=actor_person_id,
        to_person_id=to_person_id,
        status="open",
        created_at=now,
    )
    return _created(session, swap, "swap.offer", actor_person_id, now)


@_rolls_back_on_refusal
def propose_trade(
    session: Session,
    assignment_id: int,
    other_assignment_id: int,
    actor_person_id: int,
    now: datetime,
) -> SwapRow:
    """Propose to trade the actor's shift for a teammate's shift of the same team."""
    mine = _assignment(session, assignment_id)
    theirs = _assignment(session, other_assignment_id)
    if mine.person_id != actor_person_id:
        raise SwapRefused("Only the person who holds a shift can offer it.")
    if theirs.person_id == actor_person_id:
        raise SwapRefused("You hold both shifts; a trade is with a teammate's shift.")
    if mine.team_id != theirs.team_id:
        raise SwapRefused("A trade is between two shifts of the same team.")
    for row in (mine, theirs):
        _check_swappable(row, now)
    board = Board(session, [mine, theirs])
    _refuse_if_broken(board, {mine.id: theirs.person.key, theirs.id: mine.person.key})
    swap = SwapRow(
        assignment_id=mine.id,
        other_assignment_id=theirs.id,
        from_person_id=actor_person_id,
        to_person_id=theirs.person_id,
        status="open",
        created_at=now,
    )
    return _created(session, swap, "swap.trade", actor_person_id, now)


def may_answer(session: Session, swap: SwapRow, person_id: int) -> bool:
    """Tell whether a person may answer a swap: it names them, or is open to their team."""
    if swap.to_person_id is not None:
        return swap.to_person_id == person_id
    if swap.from_person_id == person_id:
        return False
    teams = session.scalars(
        select(MembershipRow.team_id).where(MembershipRow.person_id == person_id)
    )
    return swap.assignment.team_id in set(teams)


@_rolls_back_on_refusal
def accept(session: Session, swap_id: int, actor_person_id: int, now: datetime) -> SwapRow:
    """Accept an offer or a trade: it applies now, or awaits a manager when the team asks so."""
    swap = _swap(session, swap_id)
    _lock_plans(session, swap)
    if swap.status != "open":
        raise SwapRefused(_closed(swap))
    if swap.from_person_id == actor_person_id:
        raise SwapRefused("You cannot accept your own offer.")
    if swap.to_person_id is not None and swap.to_person_id != actor_person_id:
        raise SwapRefused("This offer was made to someone else.")
    _person(session, actor_person_id, swap.assignment.plan.org_id)
    moves = _judged_moves(session, swap, actor_person_id, now)
    actor = _person_actor(session, actor_person_id)
    if swap.assignment.team.swaps_need_approval:
        before = _state(session, swap)
        _transition(
            session, swap, ("open",), status="awaiting_approval", accepted_by_id=actor_person_id
        )
        audit.record(
            session, actor, "swap.accept", "swap", swap.id, before, _state(session, swap), now
        )
        return swap
    _carry_out(session, swap, "open", moves, actor_person_id, actor, "swap.accept", now)
    return swap


@_rolls_back_on_refusal
def approve(session: Session, swap_id: int, manager_user_id: int, now: datetime) -> SwapRow:
    """Approve an accepted swap of a team that asks for approval; it applies now."""
    swap = _swap(session, swap_id)
    user = _manager(session, manager_user_id, swap.assignment.team_id)
    _lock_plans(session, swap)
    if swap.status != "awaiting_approval":
        raise SwapRefused(_closed(swap) if swap.status != "open" else "Nobody has accepted it yet.")
    moves = _judged_moves(session, swap, swap.accepted_by_id, now)
    _carry_out(
        session,
        swap,
        "awaiting_approval",
        moves,
        swap.accepted_by_id,
        user.username,
        "swap.approve",
        now,
    )
    return swap


@_rolls_back_on_refusal
def refuse(
    session: Session, swap_id: int, manager_user_id: int, now: datetime, reason: str | None = None
) -> SwapRow:
    """Refuse a pending swap as a manager of its team; nothing changes hands."""
    swap = _swap(session, swap_id)
    user = _manager(session, manager_user_id, swap.assignment.team_id)
    return _close(session, swap, "refused", user.username, "swap.refuse", now, reason)


@_rolls_back_on_refusal
def decline(session: Session, swap_id: int, actor_person_id: int, now: datetime) -> SwapRow:
    """Decline an offer or trade made to the actor by name."""
    swap = _swap(session, swap_id)
    if swap.to_person_id != actor_person_id:
        raise SwapRefused("Only the person an offer was made to can decline it.")
    actor = _person_actor(session, actor_person_id)
    return _close(session, swap, "declined", actor, "swap.decline", now, states=("open",))


@_rolls_back_on_refusal
def cancel(session: Session, swap_id: int, actor_person_id: int, now: datetime) -> SwapRow:
    """Withdraw the actor's own pending offer or trade."""
    swap = _swap(session, swap_id)
    if swap.from_person_id != actor_person_id:
        raise SwapRefused("Only the person who made an offer can withdraw it.")
    actor = _person_actor(session, actor_person_id)
    return _close(session, swap, "cancelled", actor, "swap.cancel", now)


def preview(
    session: Session,
    assignment_id: int,
    to_person_id: int | None,
    other_assignment_id: int | None = None,
) -> SwapPreview:
    """Tell what a swap would break and how it moves the fairness of the people involved.

    For a trade, `to_person_id` defaults to the holder of the other shift.
    """
    row = _assignment(session, assignment_id)
    rows = [row]
    if other_assignment_id is not None:
        other = _assignment(session, other_assignment_id)
        rows.append(other)
        to_person_id = other.person_id if to_person_id is None else to_person_id
    if to_person_id is None:
        raise SwapRefused("Name who would take the shift.")
    taker = _person(session, to_person_id, row.plan.org_id)
    changes = {row.id: taker.key}
    if other_assignment_id is not None:
        changes[rows[1].id] = row.person.key
    board = Board(session, rows)
    before, after = board.reports(changes)
    ratios_before, ratios_after = ratios(before), ratios(after)
    people = [row.person, taker] + ([rows[1].person] if len(rows) > 1 else [])
    fairness = [
        FairnessChange(p.key, p.name, ratios_before.get(p.key), ratios_after.get(p.key))
        for p in dict.fromkeys(people)
    ]
    return SwapPreview(violations=board.judge(changes), fairness=fairness)


def suggest_takers(session: Session, assignment_id: int, limit: int = 5) -> list[Suggestion]:
    """Return the teammates who could take a shift, least damage to fairness first.

    Ordered by the org's max load ratio after the swap, then the taker's own ratio after it.
    """
    row = _assignment(session, assignment_id)
    board = Board(session, [row])
    ranked = []
    for membership in row.team.memberships:
        person = membership.person
        if not person.active or person.id == row.person_id:
            continue
        changes = {row.id: person.key}
        if board.judge(changes):
            continue
        after = board.reports(changes)[1]
        own = ratios(after).get(person.key)
        suggestion = Suggestion(person.id, person.key, person.name, after.max_load_ratio, own)
        ranked.append(((after.max_load_ratio, inf if own is None else own, person.key), suggestion))
    ranked.sort(key=lambda item: item[0])
    return [suggestion for _, suggestion in ranked[:limit]]


def open_swaps_for(session: Session, person_id: int, now: datetime | None = None) -> list[SwapRow]:
    """Return the pending swaps a person made, was offered, may take (open offers), or accepted.

    With `now`, only swaps of shifts that have not started yet.
    """
    teams = select(MembershipRow.team_id).where(MembershipRow.person_id == person_id)
    query = (
        select(SwapRow)
        .join(AssignmentRow, SwapRow.assignment_id == AssignmentRow.id)
        .join(PlanRow, AssignmentRow.plan_id == PlanRow.id)
        .where(
            SwapRow.status.in_(PENDING),
            PlanRow.state == "published",
            or_(
                SwapRow.from_person_id == person_id,
                SwapRow.to_person_id == person_id,
                SwapRow.accepted_by_id == person_id,
                and_(
                    SwapRow.to_person_id.is_(None),
                    SwapRow.status == "open",
                    AssignmentRow.team_id.in_(teams),
                ),
            ),
        )
        .order_by(AssignmentRow.start, SwapRow.id)
    )
    if now is not None:
        query = query.where(AssignmentRow.start > now)
    return list(session.scalars(query))


def awaiting_approval_for(session: Session, manager_user_id: int) -> list[SwapRow]:
    """Return the swaps waiting for this manager (an admin sees every team's)."""
    user = session.get(UserRow, manager_user_id)
    if user is None:
        return []
    query = (
        select(SwapRow)
        .join(AssignmentRow, SwapRow.assignment_id == AssignmentRow.id)
        .where(SwapRow.status == "awaiting_approval")
        .order_by(AssignmentRow.start, SwapRow.id)
    )
    if not user.is_admin:
        managed = select(ManagerRow.team_id).where(ManagerRow.user_id == user.id)
        query = query.where(AssignmentRow.team_id.in_(managed))
    return list(session.scalars(query))


# --- carrying out -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Move:
    """One assignment changing hands, guarded by who held it and its revision when judged."""

    assignment_id: int
    expected_person: int
    new_person: int
    revision: int


def _judged_moves(session: Session, swap: SwapRow, taker_id: int, now: datetime) -> list[_Move]:
    """Check the shifts are still as offered and the rulebook allows the swap; return the moves."""
    rows = [swap.assignment]
    moves = [_Move(swap.assignment_id, swap.from_person_id, taker_id, swap.assignment.revision)]
    if swap.other_assignment_id is not None:
        other = swap.other_assignment
        rows.append(other)
        moves.append(_Move(other.id, swap.to_person_id, swap.from_person_id, other.revision))
    for row, move in zip(rows, moves, strict=True):
        _check_swappable(row, now)
        if row.person_id != move.expected_person:
            raise SwapRefused(CHANGED)
    keys = {
        move.new_person: _person(session, move.new_person, rows[0].plan.org_id).key
        for move in moves
    }
    _refuse_if_broken(
        Board(session, rows), {move.assignment_id: keys[move.new_person] for move in moves}
    )
    return moves


def _carry_out(
    session: Session,
    swap: SwapRow,
    state: str,
    moves: list[_Move],
    taker_id: int,
    actor: str,
    action: str,
    now: datetime,
) -> None:
    """Compare-and-set the swap and its assignments; any surprise rolls everything back."""
    before = _state(session, swap)
    _transition(session, swap, (state,), status="accepted", accepted_by_id=taker_id, decided_at=now)
    for move in moves:
        moved = session.execute(
            update(AssignmentRow)
            .where(
                AssignmentRow.id == move.assignment_id,
                AssignmentRow.person_id == move.expected_person,
                AssignmentRow.revision == move.revision,
            )
            .values(person_id=move.new_person, revision=AssignmentRow.revision + 1)
            .execution_options(synchronize_session=False)
        )
        if moved.rowcount != 1:
            raise SwapRefused(CHANGED)
        audit.record(
            session,
            actor,
            "assignment.swap",
            "assignment",
            move.assignment_id,
            {"person": _key(session, move.expected_person), "revision": move.revision},
            {
                "person": _key(session, move.new_person),
                "revision": move.revision + 1,
                "swap": swap.id,
            },
            now,
        )
        row = session.get(AssignmentRow, move.assignment_id)
        session.expire(row)
    audit.record(session, actor, action, "swap", swap.id, before, _state(session, swap), now)
    _close_stale(session, swap, [m.assignment_id for m in moves], actor, now)
    session.flush()


def _close_stale(
    session: Session, done: SwapRow, touched: list[int], actor: str, now: datetime
) -> None:
    """Close the other pending swaps of shifts that just changed hands: they offer the past."""
    stale = session.scalars(
        select(SwapRow)
        .where(
            SwapRow.id != done.id,
            SwapRow.status.in_(PENDING),
            or_(SwapRow.assignment_id.in_(touched), SwapRow.other_assignment_id.in_(touched)),
        )
        .order_by(SwapRow.id)
    ).all()
    for swap in stale:
        before = _state(session, swap)
        reason = f"The shift changed meanwhile (swap #{done.id} moved it)."
        # Withdrawn or declined meanwhile is just as closed: no reason to fail the swap done.
        if _moved_on(session, swap, PENDING, status="cancelled", decided_at=now, reason=reason):
            after = _state(session, swap)
            audit.record(session, actor, "swap.supersede", "swap", swap.id, before, after, now)


def _close(
    session: Session,
    swap: SwapRow,
    status: str,
    actor: str,
    action: str,
    now: datetime,
    reason: str | None = None,
    states: tuple[str, ...] = PENDING,
) -> SwapRow:
    before = _state(session, swap)
    _transition(session, swap, states, status=status, decided_at=now, reason=reason)
    audit.record(session, actor, action, "swap", swap.id, before, _state(session, swap), now)
    session.flush()
    return swap


def _transition(session: Session, swap: SwapRow, states: tuple[str, ...], **values) -> None:
    """Move a swap on only from one of `states`; otherwise say what happened to it."""
    if not _moved_on(session, swap, states, **values):
        raise SwapRefused(_closed(swap))


def _moved_on(session: Session, swap: SwapRow, states: tuple[str, ...], **values) -> bool:
    """Compare-and-set the swap's status: tell whether it was still in one of `states`."""
    changed = session.execute(
        update(SwapRow)
        .where(SwapRow.id == swap.id, SwapRow.status.in_(states))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(swap)
    return changed.rowcount == 1


def _lock_plans(session: Session, swap: SwapRow) -> None:
    """Queue behind other swaps of the same plans, then read everything afresh."""
    plan_ids = {swap.assignment.plan_id}
    if swap.other_assignment is not None:
        plan_ids.add(swap.other_assignment.plan_id)
    session.flush()
    session.execute(
        select(PlanRow.id).where(PlanRow.id.in_(plan_ids)).order_by(PlanRow.id).with_for_update()
    )
    session.expire_all()


def _created(
    session: Session, swap: SwapRow, action: str, actor_person_id: int, now: datetime
) -> SwapRow:
    session.add(swap)
    session.flush()
    actor = _person_actor(session, actor_person_id)
    audit.record(session, actor, action, "swap", swap.id, None, _state(session, swap), now)
    return swap


# --- small helpers -----------------------------------------------------------------------------


def _closed(swap: SwapRow) -> str:
    """Say why a swap is no longer open."""
    if swap.status in ("accepted", "awaiting_approval"):
        return TAKEN
    if swap.status == "cancelled":
        return swap.reason or "The offer was withdrawn."
    if swap.status == "declined":
        return "The offer was declined."
    if swap.status == "refused":
        return "A manager refused this swap." + (f" {swap.reason}" if swap.reason else "")
    return f"This swap is {swap.status}."


def _check_swappable(row: AssignmentRow, now: datetime) -> None:
    if row.plan.state != "published":
        raise SwapRefused(
            f"Only shifts of a published plan can be swapped; this plan is {row.plan.state}."
        )
    if row.start <= now:
        raise SwapRefused(f"{_label(row)} has already started; only future shifts can be swapped.")


def _label(row: AssignmentRow) -> str:
    """Name a shift in its team's local time: 'Primary on Ops, Mon 2027-01-11 09:00 (UTC)'."""
    local = row.start.astimezone(ZoneInfo(row.team.timezone))
    return f"{row.role.title()} on {row.team.name}, {local:%a %Y-%m-%d %H:%M} ({row.team.timezone})"


def _assignment(session: Session, assignment_id: int) -> AssignmentRow:
    row = session.get(AssignmentRow, assignment_id)
    if row is None:
        raise SwapNotFound(f"There is no shift #{assignment_id}.")
    return row


def _swap(session: Session, swap_id: int) -> SwapRow:
    swap = session.get(SwapRow, swap_id)
    if swap is None:
        raise SwapNotFound(f"There is no swap #{swap_id}.")
    return swap


def _person(session: Session, person_id: int, org_id: int) -> PersonRow:
    person = session.get(PersonRow, person_id)
    if person is None or person.org_id != org_id:
        raise SwapNotFound(f"There is no person #{person_id} in this org.")
    if not person.active:
        raise SwapRefused(f"{person.name} is no longer active.")
    return person


def _manager(session: Session, user_id: int, team_id: int) -> UserRow:
    user = session.get(UserRow, user_id)
    if user is None:
        raise SwapNotFound(f"There is no user #{user_id}.")
    if not accounts.manages(user, team_id):
        raise SwapRefused("Only a manager of the team can approve or refuse its swaps.")
    return user


def _key(session: Session, person_id: int | None) -> str | None:
    return None if person_id is None else session.get(PersonRow, person_id).key


def _person_actor(session: Session, person_id: int) -> str:
    """Name a person in the audit log by their login, or their key when they have none."""
    username = session.scalar(
        select(UserRow.username).where(UserRow.person_id == person_id).order_by(UserRow.id)
    )
    return username or _key(session, person_id)


def _state(session: Session, swap: SwapRow) -> dict:
    return {
        "status": swap.status,
        "assignment": swap.assignment_id,
        "other_assignment": swap.other_assignment_id,
        "from": _key(session, swap.from_person_id),
        "to": _key(session, swap.to_person_id),
        "accepted_by": _key(session, swap.accepted_by_id),
        "reason": swap.reason,
    }
