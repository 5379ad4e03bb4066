"""Overrides survive a re-plan: publishing a plan carries the accepted overrides of the plan it
replaces onto the same shifts, where the holder is unchanged and every rule still holds
(docs/rules.md#overrides). Pending ones of the replaced plan are closed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain.model import PENDING_SWAPS, SwapStatus
from scheduler.services.overrides import apply as applying
from scheduler.services.swaps.check import Board
from scheduler.store import AssignmentRow, OverrideRow, PlanRow


def carry_over(
    session: Session, old: PlanRow, new: PlanRow, actor: str, now: datetime
) -> list[OverrideRow]:
    """Copy `old`'s accepted, not yet ended overrides onto `new` (published now); return them.

    An override is carried when `new` gives the same team, start and role to the same holder
    and its pieces break no rule there; otherwise it is dropped, and the audit log says why.
    """
    rows = {(r.team_id, r.start, r.role): r for r in new.assignments}
    found = session.scalars(
        select(OverrideRow)
        .join(AssignmentRow, OverrideRow.assignment_id == AssignmentRow.id)
        .where(AssignmentRow.plan_id == old.id, OverrideRow.end > now)
        .order_by(OverrideRow.start, OverrideRow.id)
    ).all()
    carried = []
    for o in found:
        before = applying.state(session, o)
        if o.status in PENDING_SWAPS:
            reason = f"The plan was replaced by plan #{new.id}."
            applying.moved_on(
                session,
                o,
                PENDING_SWAPS,
                status=SwapStatus.CANCELLED,
                decided_at=now,
                reason=reason,
            )
            applying.record(session, o, actor, "override.supersede", before, now)
            continue
        if o.status != SwapStatus.ACCEPTED:
            continue
        target = rows.get((o.assignment.team_id, o.assignment.start, o.assignment.role))
        why = None
        if target is None or target.person_id != o.holder_id:
            why = "the new plan gives the shift to someone else"
        elif applying.judge(Board(session, [target]), target, o.start, o.end, o.cover.key):
            why = "it would break a rule in the new plan"
        if why is not None:
            applying.record(session, o, actor, "override.drop", before, now)
            continue
        copy = OverrideRow(
            assignment_id=target.id,
            kind=o.kind,
            holder_id=o.holder_id,
            cover_id=o.cover_id,
            start=o.start,
            end=o.end,
            status=SwapStatus.ACCEPTED,
            created_by=o.created_by,
            created_at=o.created_at,
            decided_at=o.decided_at,
            reason=f"Carried from plan #{old.id} (override #{o.id}).",
        )
        session.add(copy)
        session.flush()
        session.expire(target, ["overrides"])
        applying.record(session, copy, actor, "override.carry", None, now)
        carried.append(copy)
    return carried
