"""Who is on call: the crews of published plans at a moment, and the next crews after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from scheduler.domain import model
from scheduler.store import AssignmentRow, PersonRow, PlanRow, published

ROLE_ORDER = {role: n for n, role in enumerate(model.ROLES)}


@dataclass(frozen=True)
class OnCall:
    """Who holds a role of a team's shift `[start, end)` (UTC), with what pages need."""

    team_key: str
    team_name: str
    role: str
    person_key: str
    person_name: str
    start: datetime
    end: datetime
    runbook: str | None
    services: tuple[str, ...]


def _published_rows(session: Session, org_id: int, *conditions) -> list:
    """Return (assignment, plan) pairs of active teams' published shifts, in time order."""
    query = published(org_id, active_teams=True).where(*conditions)
    return [(a, a.plan) for a in session.scalars(query)]


def on_call(session: Session, org_id: int, at: datetime) -> list[OnCall]:
    """Return who holds each role of each active team at `at`, from published plans only."""
    rows = _published_rows(session, org_id, AssignmentRow.start <= at, AssignmentRow.end > at)
    return _crews([a for a, _ in rows], {a.id: p for a, p in rows}, at)


def next_on_call(session: Session, org_id: int, at: datetime) -> list[OnCall]:
    """Return, per active team, the next shift's crew starting after `at` (published plans)."""
    rows = _published_rows(session, org_id, AssignmentRow.start > at)
    first: dict[int, datetime] = {}
    for a, _ in rows:
        first.setdefault(a.team_id, a.start)
    chosen = [(a, p) for a, p in rows if a.start == first[a.team_id]]
    return _crews([a for a, _ in chosen], {a.id: p for a, p in chosen})


def holding(row: AssignmentRow, at: datetime) -> tuple[PersonRow, datetime, datetime]:
    """Return who holds an assignment's role at `at` and the piece `[start, end)` they hold:
    the cover of an accepted override over `at`, else the holder between overrides
    (docs/rules.md#overrides)."""
    start, end = row.start, row.end
    for o in row.overrides:
        if o.status != model.SwapStatus.ACCEPTED:
            continue
        if o.start <= at < o.end:
            return o.cover, o.start, o.end
        if o.end <= at:
            start = max(start, o.end)
        else:
            end = min(end, o.start)
    return row.person, start, end


def _crews(
    assignments: list[AssignmentRow], plan_of: dict[int, PlanRow], at: datetime | None = None
) -> list[OnCall]:
    """Keep, per team, the assignments of the newest plan among those that cover the time;
    name whoever holds each at `at` (a shift's start when None), overrides included."""

    def rank(a: AssignmentRow) -> tuple:
        plan = plan_of[a.id]
        return (plan.start, plan.published_at or plan.created_at, plan.version)

    best: dict[int, tuple] = {}
    for a in assignments:
        best[a.team_id] = max(best.get(a.team_id, rank(a)), rank(a))
    kept = [a for a in assignments if rank(a) == best[a.team_id]]
    kept.sort(key=lambda a: (a.team.id, a.start, ROLE_ORDER.get(a.role, 9), a.id))
    crews = []
    for a in kept:
        person, start, end = holding(a, a.start if at is None else at)
        crews.append(
            OnCall(
                team_key=a.team.key,
                team_name=a.team.name,
                role=a.role,
                person_key=person.key,
                person_name=person.name,
                start=start,
                end=end,
                runbook=a.team.runbook,
                services=tuple(a.team.services or ()),
            )
        )
    return crews
