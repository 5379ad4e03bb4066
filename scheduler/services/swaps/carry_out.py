"""Carrying out a swap atomically: a compare-and-set in the caller's transaction.

The swap row moves only from the state it was read in (`WHERE status = 'open'`), each assignment
only from the person and revision the rulebook judged (`WHERE person_id = :expected AND
revision = :rev`, bumping the revision); a row count other than one rolls everything back.
Before judging, the plans involved are locked (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite
engines from `store.make_engine` take the write lock at `BEGIN IMMEDIATE`), so swaps of one plan
queue, are judged against what the one before them committed, and two swaps that are each fine
alone cannot together break a rule. Pending swaps of a shift that changes hands are closed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from scheduler.domain.guard import GuardVerdict
from scheduler.domain.model import PENDING_SWAPS, SwapStatus
from scheduler.services import audit
from scheduler.services.swaps import rows
from scheduler.services.swaps.check import Board
from scheduler.services.swaps.errors import CHANGED, SwapRefused, closed
from scheduler.services.swaps.policy import check_swappable, refuse_if_broken
from scheduler.store import AssignmentRow, PlanRow, SwapRow


@dataclass(frozen=True)
class Move:
    """One assignment changing hands, guarded by who held it and its revision when judged."""

    assignment_id: int
    expected_person: int
    new_person: int
    revision: int


@dataclass(frozen=True)
class Judged:
    """A swap the rulebook allows: its moves, and the board and changes it was judged on."""

    moves: list[Move]
    board: Board
    changes: dict[int, str]

    def guard(self) -> GuardVerdict:
        """Judge the swap by its team's fairness guard (docs/fairness.md#the-fairness-guard)."""
        return self.board.guard(self.changes)


def judged_moves(session: Session, swap: SwapRow, taker_id: int, now: datetime) -> Judged:
    """Check the shifts are still as offered and the rulebook allows the swap; return the moves.

    Raises SwapRefused when a shift changed hands or started, or the swap breaks a rule.
    """
    shifts = [swap.assignment]
    moves = [Move(swap.assignment_id, swap.from_person_id, taker_id, swap.assignment.revision)]
    if swap.other_assignment_id is not None:
        other = swap.other_assignment
        shifts.append(other)
        moves.append(Move(other.id, swap.to_person_id, swap.from_person_id, other.revision))
    for row, move in zip(shifts, moves, strict=True):
        check_swappable(row, now)
        if row.person_id != move.expected_person:
            raise SwapRefused(CHANGED)
    keys = {
        move.new_person: rows.person(session, move.new_person, shifts[0].plan.org_id).key
        for move in moves
    }
    board = Board(session, shifts)
    changes = {move.assignment_id: keys[move.new_person] for move in moves}
    refuse_if_broken(board, changes)
    return Judged(moves, board, changes)


def carry_out(
    session: Session,
    swap: SwapRow,
    state: str,
    moves: list[Move],
    taker_id: int,
    actor: str,
    action: str,
    now: datetime,
) -> None:
    """Compare-and-set the swap (from `state`) and its assignments; audit every change.

    Raises SwapRefused (CHANGED, or why the swap closed) on any surprise; the caller rolls back.
    """
    before = rows.state(session, swap)
    transition(
        session,
        swap,
        (state,),
        status=SwapStatus.ACCEPTED,
        accepted_by_id=taker_id,
        decided_at=now,
    )
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
            {"person": rows.key(session, move.expected_person), "revision": move.revision},
            {
                "person": rows.key(session, move.new_person),
                "revision": move.revision + 1,
                "swap": swap.id,
            },
            now,
            org_id=rows.org_id(swap),
        )
        session.expire(session.get(AssignmentRow, move.assignment_id))
    rows.audit(session, swap, actor, action, before, now)
    close_stale(session, swap, [m.assignment_id for m in moves], actor, now)
    session.flush()


def close_stale(
    session: Session, done: SwapRow, touched: list[int], actor: str, now: datetime
) -> None:
    """Close the other pending swaps of shifts that just changed hands: they offer the past."""
    stale = session.scalars(
        select(SwapRow)
        .where(
            SwapRow.id != done.id,
            SwapRow.status.in_(PENDING_SWAPS),
            or_(SwapRow.assignment_id.in_(touched), SwapRow.other_assignment_id.in_(touched)),
        )
        .order_by(SwapRow.id)
    ).all()
    for swap in stale:
        before = rows.state(session, swap)
        reason = f"The shift changed meanwhile (swap #{done.id} moved it)."
        # Withdrawn or declined meanwhile is just as closed: no reason to fail the swap done.
        if moved_on(
            session,
            swap,
            PENDING_SWAPS,
            status=SwapStatus.CANCELLED,
            decided_at=now,
            reason=reason,
        ):
            rows.audit(session, swap, actor, "swap.supersede", before, now)


def close(
    session: Session,
    swap: SwapRow,
    status: SwapStatus,
    actor: str,
    action: str,
    now: datetime,
    reason: str | None = None,
    states: tuple[str, ...] = PENDING_SWAPS,
) -> SwapRow:
    """Close a swap that is in one of `states` with `status`, and audit it.

    Raises SwapRefused, saying why, when the swap had already moved on.
    """
    before = rows.state(session, swap)
    transition(session, swap, states, status=status, decided_at=now, reason=reason)
    rows.audit(session, swap, actor, action, before, now)
    session.flush()
    return swap


def transition(session: Session, swap: SwapRow, states: tuple[str, ...], **values) -> None:
    """Move a swap on only from one of `states`; otherwise raise SwapRefused saying why."""
    if not moved_on(session, swap, states, **values):
        raise SwapRefused(closed(swap))


def moved_on(session: Session, swap: SwapRow, states: tuple[str, ...], **values) -> bool:
    """Compare-and-set the swap's status: tell whether it was still in one of `states`."""
    changed = session.execute(
        update(SwapRow)
        .where(SwapRow.id == swap.id, SwapRow.status.in_(states))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(swap)
    return changed.rowcount == 1


def lock_plans(session: Session, swap: SwapRow) -> None:
    """Queue behind other swaps of the same plans, then read everything afresh."""
    plan_ids = {swap.assignment.plan_id}
    if swap.other_assignment is not None:
        plan_ids.add(swap.other_assignment.plan_id)
    session.flush()
    session.execute(
        select(PlanRow.id).where(PlanRow.id.in_(plan_ids)).order_by(PlanRow.id).with_for_update()
    )
    session.expire_all()
