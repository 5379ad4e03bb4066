"""The plan versions of an org: which are live, drafts, superseded; horizons and their ends.

Read-only queries that planning, the command line and the web share; `planning` re-exports
them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain.model import PlanState
from scheduler.domain.shifts import local_midnight
from scheduler.store import OrgRow, PlanRow

DRAFT, PUBLISHED, SUPERSEDED = PlanState.DRAFT, PlanState.PUBLISHED, PlanState.SUPERSEDED


def published_plans(session: Session, org_id: int) -> list[PlanRow]:
    """Return the org's published plans, earliest horizon first."""
    return list(
        session.scalars(
            select(PlanRow)
            .where(PlanRow.org_id == org_id, PlanRow.state == PUBLISHED)
            .order_by(PlanRow.start, PlanRow.version)
        )
    )


def plan_end(plan: PlanRow) -> date:
    """Return the first day after the plan's horizon."""
    return plan.start + timedelta(weeks=plan.weeks)


def plan_covering(session: Session, org_id: int, at: datetime) -> PlanRow | None:
    """Return the published plan whose horizon holds `at` (the latest-starting one)."""
    zone = session.get(OrgRow, org_id).timezone
    covering = [
        p
        for p in published_plans(session, org_id)
        if local_midnight(p.start, zone) <= at < local_midnight(plan_end(p), zone)
    ]
    return covering[-1] if covering else None


def next_quarter_start(session: Session, org_id: int, today: date) -> date:
    """Return the Monday after the latest published plan, or the next Monday after today."""
    next_monday = today + timedelta(days=7 - today.weekday())
    ends = [plan_end(p) for p in published_plans(session, org_id)]
    if not ends:
        return next_monday
    end = max(ends)
    return max(end + timedelta(days=-end.weekday() % 7), next_monday)


def latest_draft(session: Session, org_id: int) -> PlanRow | None:
    """Return the org's newest draft plan, or None."""
    return session.scalar(
        select(PlanRow)
        .where(PlanRow.org_id == org_id, PlanRow.state == DRAFT)
        .order_by(PlanRow.created_at.desc(), PlanRow.id.desc())
    )


def superseded_ids(session: Session, org_id: int, start: date) -> list[int]:
    """Return the ids of the superseded versions of the org's plan from `start`, ascending."""
    return sorted(
        session.scalars(
            select(PlanRow.id).where(
                PlanRow.org_id == org_id, PlanRow.start == start, PlanRow.state == SUPERSEDED
            )
        )
    )


def live_plan(session: Session, org_id: int, start: date, weeks: int) -> PlanRow | None:
    """Return the published plan of exactly this horizon, or None."""
    return session.scalar(
        select(PlanRow).where(
            PlanRow.org_id == org_id,
            PlanRow.start == start,
            PlanRow.weeks == weeks,
            PlanRow.state == PUBLISHED,
        )
    )


def plan_versions(session: Session, org_id: int, limit: int = 50) -> list[PlanRow]:
    """Return the org's plan versions in any state, latest horizon and version first."""
    return list(
        session.scalars(
            select(PlanRow)
            .where(PlanRow.org_id == org_id)
            .order_by(PlanRow.start.desc(), PlanRow.version.desc())
            .limit(limit)
        )
    )
