"""Where each trainee stands, from the shifts they have held
(docs/rules.md#training-that-carries-over)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from scheduler.domain.training import Progress, progress
from scheduler.store import AssignmentRow, OrgRow, assignment_from_row, org_from_rows, published


def training_status(session: Session, org_id: int, now: datetime) -> dict[str, Progress]:
    """Map each trainee's person key to their progress at `now`: the shadow and secondary
    shifts of published plans (swaps included) and of the org's history that ended by then.

    The org file's `trainee` is the requirement; re-importing it never resets what is done.
    Raises LookupError for an unknown org.
    """
    org_row = session.get(OrgRow, org_id)
    if org_row is None:
        raise LookupError(f"there is no org #{org_id}")
    query = published(org_id, active_teams=True, active_people=True).where(AssignmentRow.end <= now)
    held = [assignment_from_row(a) for a in session.scalars(query)]
    org = org_from_rows(session, org_row, extra_history=held)
    return {
        p.id: progress(p, org.history_of(p.id), now) for p in org.people if p.trainee is not None
    }
