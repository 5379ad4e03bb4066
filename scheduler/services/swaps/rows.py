"""The rows swap services read, found by id or refused, and how the audit log names them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain.text import local_clock
from scheduler.services import audit as audit_log
from scheduler.services.swaps.errors import SwapNotFound, SwapRefused
from scheduler.store import AssignmentRow, PersonRow, SwapRow, UserRow


def assignment(session: Session, assignment_id: int) -> AssignmentRow:
    """Return a shift by id; raise SwapNotFound when there is none."""
    row = session.get(AssignmentRow, assignment_id)
    if row is None:
        raise SwapNotFound(f"There is no shift #{assignment_id}.")
    return row


def swap(session: Session, swap_id: int) -> SwapRow:
    """Return a swap by id; raise SwapNotFound when there is none."""
    row = session.get(SwapRow, swap_id)
    if row is None:
        raise SwapNotFound(f"There is no swap #{swap_id}.")
    return row


def person(session: Session, person_id: int, org_id: int) -> PersonRow:
    """Return an active person of the org.

    Raises SwapNotFound when the org has no such person, SwapRefused when they left.
    """
    row = session.get(PersonRow, person_id)
    if row is None or row.org_id != org_id:
        raise SwapNotFound(f"There is no person #{person_id} in this org.")
    if not row.active:
        raise SwapRefused(f"{row.name} is no longer active.")
    return row


def label(row: AssignmentRow) -> str:
    """Name a shift in its team's local time: 'Primary on Ops, Mon 2027-01-11 09:00 (UTC)'."""
    when = local_clock(row.start, row.team.timezone)
    return f"{row.role.title()} on {row.team.name}, {when} ({row.team.timezone})"


def key(session: Session, person_id: int | None) -> str | None:
    """Return a person's key (the id in the org file), None for no person."""
    return None if person_id is None else session.get(PersonRow, person_id).key


def person_actor(session: Session, person_id: int) -> str:
    """Name a person in the audit log by their login, or their key when they have none."""
    username = session.scalar(
        select(UserRow.username).where(UserRow.person_id == person_id).order_by(UserRow.id)
    )
    return username or key(session, person_id)


def org_id(row: SwapRow) -> int:
    """Return the id of the org whose plan holds the swap's shift."""
    return row.assignment.plan.org_id


def state(session: Session, row: SwapRow) -> dict:
    """Describe a swap for the audit log's before and after."""
    return {
        "status": row.status,
        "assignment": row.assignment_id,
        "other_assignment": row.other_assignment_id,
        "from": key(session, row.from_person_id),
        "to": key(session, row.to_person_id),
        "accepted_by": key(session, row.accepted_by_id),
        "reason": row.reason,
        "guard_reason": row.guard_reason,
    }


def audit(session: Session, swap: SwapRow, actor: str, action: str, before: dict, now) -> None:
    """Record a change of a swap in the audit log: its state before and now, under its org."""
    audit_log.record(
        session,
        actor,
        action,
        "swap",
        swap.id,
        before,
        state(session, swap),
        now,
        org_id=org_id(swap),
    )
