"""Judging an override and applying it atomically, in the caller's transaction.

Before judging, the plan is locked (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite engines take
the write lock at `BEGIN IMMEDIATE`), so overrides and swaps of one plan queue and each is judged
against what the one before it committed. Applying is then a compare-and-set: the override
moves only from the state it was read in, the assignment only from the holder and revision the
rulebook judged (bumping the revision). Any surprise raises SwapRefused; the caller rolls back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from scheduler.domain.guard import GuardVerdict, judge_reports
from scheduler.domain.model import PENDING_SWAPS, Org, PlanState, SwapStatus
from scheduler.domain.overrides import Cover, problem_with, split
from scheduler.services import audit
from scheduler.services.swaps import rows as swap_rows
from scheduler.services.swaps.check import Board
from scheduler.services.swaps.errors import CHANGED, SwapRefused
from scheduler.store import (
    AssignmentRow,
    OverrideRow,
    PlanRow,
    assignment_from_row,
    person_from_row,
    team_from_row,
)

TAKEN = "these hours were already covered meanwhile"


def lock_plan(session: Session, plan_id: int) -> None:
    """Queue behind other changes of the plan, then read everything afresh."""
    session.flush()
    session.execute(select(PlanRow.id).where(PlanRow.id == plan_id).with_for_update())
    session.expire_all()


def covers(row: AssignmentRow, leave_out: int | None = None) -> list[Cover]:
    """Return the accepted overrides of an assignment as Covers (all but `leave_out`)."""
    return [
        Cover(o.start, o.end, o.cover.key)
        for o in row.overrides
        if o.status == SwapStatus.ACCEPTED and o.id != leave_out
    ]


def check_fits(
    session: Session, row: AssignmentRow, start: datetime, end: datetime, now: datetime
) -> None:
    """Refuse (SwapRefused) a range that is not a future part of a published shift, free of
    other accepted overrides (docs/rules.md#overrides)."""
    if row.plan.state != PlanState.PUBLISHED:
        raise SwapRefused(
            f"Only shifts of a published plan can be covered; this plan is {row.plan.state}."
        )
    people = {p.id: p for p in [row.person, *(o.cover for o in row.overrides)]}
    org = Org(
        name="",
        timezone=row.team.timezone,
        people=tuple(person_from_row(p) for p in people.values()),
        teams=(team_from_row(row.team),),
    )
    reason = problem_with(org, assignment_from_row(row), start, end, covers(row), now)
    if reason is not None:
        raise SwapRefused(reason)


def refuse_if_broken(
    session: Session, row: AssignmentRow, start: datetime, end: datetime, cover_key: str
) -> None:
    """Refuse (SwapRefused, with the rules' sentences) a cover that breaks a rule of any plan
    it touches, judged on the pieces it splits the assignment into."""
    found = judge(Board(session, [row]), row, start, end, cover_key)
    if found:
        raise SwapRefused(" ".join(v.message for v in found), found)


def guard(
    session: Session,
    row: AssignmentRow,
    start: datetime,
    end: datetime,
    cover_key: str,
    board: Board | None = None,
) -> GuardVerdict:
    """Judge covering `[start, end)` of `row` by `cover_key` by the team's fairness guard.

    Compares the team's max load ratio on the plan's current pieces with that on the pieces
    the cover would split the shift into (points by real hours); held only when the team's
    `fairness_guard` is on (docs/fairness.md#the-fairness-guard). Pass `board` (of `row`) to
    judge many covers on one rebuild of the plans.
    """
    board = board or Board(session, [row])
    pieces = split(assignment_from_row(row), [*covers(row), Cover(start, end, cover_key)])
    before, after = board.reports_pieces({row.id: pieces})
    org = board.versions[0].problem.org
    return judge_reports(org, row.team.key, before, after, "this override")


def judge(board: Board, row: AssignmentRow, start: datetime, end: datetime, cover_key: str):
    """Return the violations covering `[start, end)` of `row` by `cover_key` introduces."""
    pieces = split(assignment_from_row(row), [*covers(row), Cover(start, end, cover_key)])
    return board.judge_pieces({row.id: pieces})


def apply(
    session: Session,
    override: OverrideRow,
    states: tuple[str, ...],
    actor: str,
    action: str,
    now: datetime,
) -> None:
    """Judge the override afresh and make it part of the published plan, atomically.

    Raises SwapRefused when the shift changed hands, the hours were covered meanwhile, the
    start has passed, or the rulebook says no; nothing is changed then (the caller rolls back).
    """
    row = override.assignment
    if row.person_id != override.holder_id:
        raise SwapRefused(f"The shift changed hands meanwhile; {CHANGED}.")
    if any(
        o.status == SwapStatus.ACCEPTED and o.start < override.end and override.start < o.end
        for o in row.overrides
    ):
        raise SwapRefused(TAKEN[:1].upper() + TAKEN[1:] + ".")
    check_fits(session, row, override.start, override.end, now)
    refuse_if_broken(session, row, override.start, override.end, override.cover.key)
    revision = row.revision
    before = state(session, override)
    transition(session, override, states, status=SwapStatus.ACCEPTED, decided_at=now)
    moved = session.execute(
        update(AssignmentRow)
        .where(
            AssignmentRow.id == row.id,
            AssignmentRow.person_id == override.holder_id,
            AssignmentRow.revision == revision,
        )
        .values(revision=AssignmentRow.revision + 1)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        raise SwapRefused(TAKEN[:1].upper() + TAKEN[1:] + ".")
    audit.record(
        session,
        actor,
        "assignment.override",
        "assignment",
        row.id,
        {"revision": revision},
        {
            "revision": revision + 1,
            "override": override.id,
            "cover": override.cover.key,
            "start": override.start,
            "end": override.end,
        },
        now,
        org_id=row.plan.org_id,
    )
    record(session, override, actor, action, before, now)
    close_overlapping(session, override, actor, now)
    session.expire(row)
    session.flush()


def close_overlapping(session: Session, done: OverrideRow, actor: str, now: datetime) -> None:
    """Close the other pending overrides of the shift whose hours `done` now covers."""
    stale = session.scalars(
        select(OverrideRow)
        .where(
            OverrideRow.id != done.id,
            OverrideRow.assignment_id == done.assignment_id,
            OverrideRow.status.in_(PENDING_SWAPS),
            OverrideRow.start < done.end,
            OverrideRow.end > done.start,
        )
        .order_by(OverrideRow.id)
    ).all()
    for other in stale:
        before = state(session, other)
        reason = f"These hours were covered meanwhile (override #{done.id})."
        if moved_on(
            session,
            other,
            PENDING_SWAPS,
            status=SwapStatus.CANCELLED,
            decided_at=now,
            reason=reason,
        ):
            record(session, other, actor, "override.supersede", before, now)


def transition(session: Session, row: OverrideRow, states: tuple[str, ...], **values) -> None:
    """Move an override on only from one of `states`; otherwise raise SwapRefused saying why."""
    if not moved_on(session, row, states, **values):
        raise SwapRefused(closed(row))


def moved_on(session: Session, row: OverrideRow, states: tuple[str, ...], **values) -> bool:
    """Compare-and-set the override's status: tell whether it was still in one of `states`."""
    changed = session.execute(
        update(OverrideRow)
        .where(OverrideRow.id == row.id, OverrideRow.status.in_(states))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(row)
    return changed.rowcount == 1


def closed(row: OverrideRow) -> str:
    """Say why an override is no longer pending."""
    if row.status == SwapStatus.ACCEPTED:
        return "This override was already accepted."
    if row.status == SwapStatus.AWAITING_APPROVAL:
        return "This override was already accepted; it awaits a manager."
    if row.status == SwapStatus.CANCELLED:
        return row.reason or "This override was withdrawn."
    if row.status == SwapStatus.DECLINED:
        return "This override was declined."
    if row.status == SwapStatus.REFUSED:
        return "A manager refused this override." + (f" {row.reason}" if row.reason else "")
    return f"This override is {row.status}."


def state(session: Session, row: OverrideRow) -> dict:
    """Describe an override for the audit log's before and after."""
    return {
        "status": row.status,
        "kind": row.kind,
        "assignment": row.assignment_id,
        "holder": swap_rows.key(session, row.holder_id),
        "cover": swap_rows.key(session, row.cover_id),
        "start": row.start,
        "end": row.end,
        "reason": row.reason,
    }


def record(
    session: Session, row: OverrideRow, actor: str, action: str, before: dict | None, now
) -> None:
    """Record a change of an override in the audit log, under its org."""
    audit.record(
        session,
        actor,
        action,
        "override",
        row.id,
        before,
        state(session, row),
        now,
        org_id=row.assignment.plan.org_id,
    )
