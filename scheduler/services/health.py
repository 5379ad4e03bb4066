"""Rotation health of every org, from its published plans (docs/health.md).

`rota health` and `GET /metrics` both print what `health` returns, so they always agree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from scheduler.domain import model
from scheduler.domain.fairness import gini
from scheduler.domain.health import (
    OrgHealth,
    TeamHealth,
    TraineeProgress,
    covered_until,
    merged_hours,
    next_step,
)
from scheduler.domain.model import PENDING_SWAPS, Role
from scheduler.domain.shifts import local_midnight, make_problem
from scheduler.services import planning
from scheduler.services.departures import Uncovered, uncovered_shifts
from scheduler.store import AssignmentRow, OrgRow, PlanRow, SwapRow, TeamRow, published
from scheduler.store.convert import org_from_rows

ON_CALL_ROLES = (Role.PRIMARY, Role.SECONDARY)  # shadows never carry the pager


def health(session: Session, now: datetime, org_name: str | None = None) -> list[OrgHealth]:
    """Return the health of every org (or the one named), in order of import.

    `now` is aware; LookupError when `org_name` names no org.
    """
    query = select(OrgRow).order_by(OrgRow.id)
    if org_name is not None:
        query = query.where(OrgRow.name == org_name)
    rows = list(session.scalars(query))
    if org_name is not None and not rows:
        raise LookupError(f"no org named {org_name!r}")
    return [org_health(session, row, now) for row in rows]


def measured_plan(session: Session, org_id: int, now: datetime) -> PlanRow | None:
    """Return the published plan health is measured on: the one running at `now`, else the
    next to start, else the latest (None when nothing is published)."""
    running = planning.plan_covering(session, org_id, now)
    if running is not None:
        return running
    plans = planning.published_plans(session, org_id)
    zone = session.get(OrgRow, org_id).timezone
    ahead = [p for p in plans if local_midnight(p.start, zone) > now]
    return ahead[0] if ahead else (plans[-1] if plans else None)


def org_health(session: Session, org_row: OrgRow, now: datetime) -> OrgHealth:
    """Measure one org's rotations at `now` (docs/health.md#the-figures)."""
    org = org_from_rows(session, org_row)
    plan = measured_plan(session, org_row.id, now)
    report = planning.fairness_of(session, plan.id) if plan is not None else None
    ratios = {r.person: r.ratio for r in report.people} if report is not None else {}
    shares = _on_call_shares(session, org_row, org, plan)
    ahead = list(
        session.scalars(
            published(org_row.id, active_teams=True, start=now).options(
                selectinload(AssignmentRow.team), selectinload(AssignmentRow.person)
            )
        )
    )
    gaps = _gaps(session, org_row, org, ahead, now)
    trainees = _trainees(session, org_row, org, now)
    swaps = _swaps_pending(session, org_row.id, now)
    uncovered = _uncovered(session, org_row.id, now)
    teams = []
    for team in org.teams:
        members = [m for m in team.members if m in org.people_by_id]
        team_ratios = [ratios[m] for m in members if ratios.get(m) is not None]
        mine = [(a.start, a.end) for a in ahead if a.team.key == team.id]
        until = covered_until(mine, now)
        teams.append(
            TeamHealth(
                team=team.id,
                name=team.name,
                trained=sum(1 for m in members if not org.person(m).is_trainee),
                min_roster=team.rotation.min_roster,
                on_call_share={m: shares.get(m, 0.0) for m in members},
                max_load_ratio=max(team_ratios) if team_ratios else None,
                gini=gini(team_ratios) if team_ratios else None,
                gaps=tuple(gaps[team.id]),
                covered_until=until,
                days_left=0.0 if until is None else (until - now).total_seconds() / 86400,
                next_shift=min(mine)[0] if mine else None,
                trainees=tuple(t for t in trainees if t.person in members),
                swaps_pending=swaps.get(team.id, 0),
                uncovered=tuple(u.sentence() for u in uncovered[team.id]),
                uncovered_shifts=sum(len(u.assignments) for u in uncovered[team.id]),
            )
        )
    return OrgHealth(
        org=org_row.name,
        now=now,
        plan_id=plan.id if plan is not None else None,
        plan_start=plan.start if plan is not None else None,
        plan_end=planning.plan_end(plan) if plan is not None else None,
        max_load_ratio=report.max_load_ratio if report is not None else None,
        lower_bound=report.lower_bound if report is not None else None,
        gini=report.gini if report is not None else None,
        load_ratio=ratios,
        teams=tuple(teams),
    )


def _on_call_shares(
    session: Session, org_row: OrgRow, org: model.Org, plan: PlanRow | None
) -> dict[str, float]:
    """Return each person's share of the plan's horizon on call as primary or secondary."""
    if plan is None:
        return {}
    start = local_midnight(plan.start, org_row.timezone)
    end = local_midnight(planning.plan_end(plan), org_row.timezone)
    query = published(org_row.id, active_teams=True, start=start, end=end).where(
        AssignmentRow.role.in_(ON_CALL_ROLES)
    )
    intervals: dict[str, list] = defaultdict(list)
    for a in session.scalars(query.options(selectinload(AssignmentRow.person))):
        intervals[a.person.key].append((a.start, a.end))
    hours = (end - start).total_seconds() / 3600
    return {p: merged_hours(spans, start, end) / hours for p, spans in intervals.items()}


def _gaps(
    session: Session, org_row: OrgRow, org: model.Org, ahead: list[AssignmentRow], now: datetime
) -> dict[str, list[datetime]]:
    """Return, per team, the starts of published shifts not yet ended that have no primary
    held by an active person (the shifts of every published plan's horizon)."""
    held = {(a.team.key, a.start) for a in ahead if a.role == Role.PRIMARY and a.person.active}
    gaps: dict[str, list[datetime]] = defaultdict(list)
    for plan in planning.published_plans(session, org_row.id):
        if local_midnight(planning.plan_end(plan), org_row.timezone) <= now:
            continue
        for shift in make_problem(org, plan.start, plan.weeks).shifts:
            team = org.team(shift.team)
            if shift.end <= now or Role.PRIMARY not in team.rotation.roles:
                continue
            if (shift.team, shift.start) not in held:
                gaps[shift.team].append(shift.start)
    return defaultdict(list, {team: sorted(set(starts)) for team, starts in gaps.items()})


def _trainees(
    session: Session, org_row: OrgRow, org: model.Org, now: datetime
) -> list[TraineeProgress]:
    """Return each trainee's progress: published shadow and secondary shifts ended by `now`."""
    trainees = [p for p in org.people if p.trainee is not None]
    if not trainees:
        return []
    query = published(org_row.id, active_teams=True).where(
        AssignmentRow.role.in_((Role.SHADOW, Role.SECONDARY))
    )
    held: dict[str, list[AssignmentRow]] = defaultdict(list)
    for a in session.scalars(query.options(selectinload(AssignmentRow.person))):
        held[a.person.key].append(a)
    found = []
    for person in trainees:
        rows = held[person.id]
        done = {
            role: sum(1 for a in rows if a.role == role and a.end <= now)
            for role in (Role.SHADOW, Role.SECONDARY)
        }
        step = next_step(
            done[Role.SHADOW],
            person.trainee.shadows,
            done[Role.SECONDARY],
            person.trainee.secondaries,
        )
        upcoming = [a.start for a in rows if a.role == step and a.start >= now]
        found.append(
            TraineeProgress(
                person=person.id,
                shadows_done=done[Role.SHADOW],
                shadows=person.trainee.shadows,
                secondaries_done=done[Role.SECONDARY],
                secondaries=person.trainee.secondaries,
                next_step=step,
                next_shift=min(upcoming, default=None),
            )
        )
    return found


def _swaps_pending(session: Session, org_id: int, now: datetime) -> dict[str, int]:
    """Count, per team key, pending swaps of published shifts that have not started."""
    query = (
        select(TeamRow.key, func.count(SwapRow.id))
        .join(AssignmentRow, SwapRow.assignment_id == AssignmentRow.id)
        .join(TeamRow, AssignmentRow.team_id == TeamRow.id)
        .where(
            TeamRow.org_id == org_id,
            SwapRow.status.in_(PENDING_SWAPS),
            AssignmentRow.start > now,
        )
        .group_by(TeamRow.key)
    )
    return dict(session.execute(query).all())


def _uncovered(session: Session, org_id: int, now: datetime) -> dict[str, list[Uncovered]]:
    """Return, per team key, the org's uncovered shifts (services.departures), each leaver's
    shifts of that team only."""
    found: dict[str, list[Uncovered]] = defaultdict(list)
    for u in uncovered_shifts(session, org_id, now):
        by_team: dict[str, list[AssignmentRow]] = defaultdict(list)
        for row in u.assignments:
            by_team[row.team.key].append(row)
        for team, held in by_team.items():
            found[team].append(replace(u, assignments=tuple(held)))
    return found
