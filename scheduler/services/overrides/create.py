"""Starting an override: the holder asks, someone offers, or a manager assigns it.

Each checks the range (inside the shift, not in the past, free of accepted overrides, whole
minutes) and the rulebook on the pieces before anything is stored (docs/rules.md#overrides).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain.model import PENDING_SWAPS, SwapStatus
from scheduler.services.overrides import apply as applying
from scheduler.services.overrides import notify
from scheduler.services.swaps import rows
from scheduler.services.swaps.errors import SwapForbidden, SwapRefused, rolls_back_on_refusal
from scheduler.services.swaps.policy import check_holder, manager
from scheduler.store import AssignmentRow, MembershipRow, OverrideRow


@rolls_back_on_refusal
def request_cover(
    session: Session,
    assignment_id: int,
    actor_person_id: int,
    cover_person_id: int,
    start: datetime,
    end: datetime,
    now: datetime,
) -> OverrideRow:
    """Ask a teammate to cover `[start, end)` (UTC) of the actor's shift; they accept or decline.

    Raises SwapNotFound for an unknown shift or person, SwapForbidden when the actor does not
    hold the shift, SwapRefused for a range that does not fit (outside the shift, in the past,
    overlapping an accepted override, `end <= start`), a cover who would break a rule, or the
    same request pending already.
    """
    row = rows.assignment(session, assignment_id)
    check_holder(row, actor_person_id)
    if cover_person_id == actor_person_id:
        raise SwapRefused("You hold this shift already; ask someone else to cover it.")
    cover = rows.person(session, cover_person_id, row.plan.org_id)
    return _created(session, row, "request", cover.id, start, end, actor_person_id, now)


@rolls_back_on_refusal
def offer_cover(
    session: Session,
    assignment_id: int,
    actor_person_id: int,
    start: datetime,
    end: datetime,
    now: datetime,
) -> OverrideRow:
    """Offer to cover `[start, end)` (UTC) of a teammate's shift; the holder accepts or declines.

    Raises SwapNotFound for an unknown shift, SwapForbidden when the actor is not a member of
    the shift's team, SwapRefused as `request_cover` does.
    """
    row = rows.assignment(session, assignment_id)
    if row.person_id == actor_person_id:
        raise SwapRefused("You hold this shift already; a cover is someone else.")
    actor = rows.person(session, actor_person_id, row.plan.org_id)
    member = session.scalar(
        select(MembershipRow.id).where(
            MembershipRow.team_id == row.team_id, MembershipRow.person_id == actor.id
        )
    )
    if member is None:
        raise SwapForbidden(f"{actor.name} is not a member of {row.team.name}; only members cover.")
    return _created(session, row, "offer", actor.id, start, end, actor.id, now)


@rolls_back_on_refusal
def assign_cover(
    session: Session,
    assignment_id: int,
    manager_user_id: int,
    cover_person_id: int,
    start: datetime,
    end: datetime,
    now: datetime,
) -> OverrideRow:
    """Set someone to cover `[start, end)` (UTC) of a shift, as a manager of its team: it
    applies at once (a manager's own decision needs no approval).

    Raises SwapNotFound for an unknown shift, person or user, SwapForbidden when the user does
    not manage the team or is the shift's holder or the cover (assigning applies at once, so
    that would approve their own override: docs/rules.md#overrides), SwapRefused as
    `request_cover` does.
    """
    row = rows.assignment(session, assignment_id)
    user = manager(session, manager_user_id, row.team_id)
    if user.person_id is not None and user.person_id in (row.person_id, cover_person_id):
        raise SwapForbidden(
            "You are part of this override; ask for it as the holder, or another manager of the "
            "team can assign it."
        )
    if cover_person_id == row.person_id:
        raise SwapRefused(f"{row.person.name} holds this shift already; pick another cover.")
    cover = rows.person(session, cover_person_id, row.plan.org_id)
    applying.lock_plan(session, row.plan_id)
    override = _created(session, row, "assign", cover.id, start, end, None, now, user.username)
    applying.apply(session, override, (SwapStatus.OPEN,), user.username, "override.approve", now)
    notify.send(session, notify.events(session, override, "assigned", None), now)
    return override


def _created(
    session: Session,
    row: AssignmentRow,
    kind: str,
    cover_id: int,
    start: datetime,
    end: datetime,
    actor_person_id: int | None,
    now: datetime,
    actor: str | None = None,
) -> OverrideRow:
    """Check and store a new pending override, audited; raises SwapRefused as the services say."""
    applying.check_fits(session, row, start, end, now)
    cover = rows.person(session, cover_id, row.plan.org_id)
    applying.refuse_if_broken(session, row, start, end, cover.key)
    duplicate = session.scalar(
        select(OverrideRow.id).where(
            OverrideRow.assignment_id == row.id,
            OverrideRow.cover_id == cover_id,
            OverrideRow.status.in_(PENDING_SWAPS),
            OverrideRow.start < end,
            OverrideRow.end > start,
        )
    )
    if duplicate is not None:
        raise SwapRefused(f"{cover.name} is already asked to cover these hours (#{duplicate}).")
    actor = actor or rows.person_actor(session, actor_person_id)
    override = OverrideRow(
        assignment_id=row.id,
        kind=kind,
        holder_id=row.person_id,
        cover_id=cover_id,
        start=start,
        end=end,
        status=SwapStatus.OPEN,
        created_by=actor,
        created_at=now,
    )
    session.add(override)
    session.flush()
    applying.record(session, override, actor, f"override.{kind}", None, now)
    if kind != "assign":
        event = "requested" if kind == "request" else "offered"
        notify.send(session, notify.events(session, override, event, None), now)
    return override
