"""The queries several services share: published assignments, orgs, and stored plans rebuilt
as domain problems (earlier published plans counting as history)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from scheduler.domain import model
from scheduler.domain.model import PlanState
from scheduler.domain.shifts import local_midnight, make_problem
from scheduler.store.convert import org_from_rows, pieces_from_row
from scheduler.store.tables import AssignmentRow, OrgRow, PersonRow, PlanRow, TeamRow


def published(
    org_id: int | None = None,
    *,
    team_id: int | None = None,
    person_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    active_teams: bool = False,
    active_people: bool = False,
) -> Select[tuple[AssignmentRow]]:
    """Select the assignments of published plans, in time order: the one published query.

    Narrow it to an org, a team, a person, or the shifts overlapping `[start, end)` (UTC);
    `active_teams` and `active_people` keep only assignments of active teams and people.
    Callers may add `.where` and `.options`.
    """
    query = select(AssignmentRow).join(PlanRow, AssignmentRow.plan_id == PlanRow.id)
    query = query.where(PlanRow.state == PlanState.PUBLISHED)
    if org_id is not None:
        query = query.where(PlanRow.org_id == org_id)
    if team_id is not None:
        query = query.where(AssignmentRow.team_id == team_id)
    if person_id is not None:
        query = query.where(AssignmentRow.person_id == person_id)
    if start is not None:
        query = query.where(AssignmentRow.end > start)
    if end is not None:
        query = query.where(AssignmentRow.start < end)
    if active_teams:
        query = query.join(TeamRow, AssignmentRow.team_id == TeamRow.id)
        query = query.where(TeamRow.active.is_(True))
    if active_people:
        query = query.join(PersonRow, AssignmentRow.person_id == PersonRow.id)
        query = query.where(PersonRow.active.is_(True))
    return query.order_by(AssignmentRow.start, AssignmentRow.team_id, AssignmentRow.id)


def published_assignments(session: Session, org_id: int) -> list[AssignmentRow]:
    """Return the assignments of every published plan of the org, in time order."""
    return list(session.scalars(published(org_id)))


def org_with_earlier_plans(
    session: Session, org_row: OrgRow, start: date, leave_out: int | None = None
) -> model.Org:
    """Build the domain Org for a horizon from `start`: published shifts before it are history.

    Assignments of active people and teams in published plans (except plan `leave_out`) that
    start before local midnight of `start` count next to the history an org file brought in.
    """
    horizon_start = local_midnight(start, org_row.timezone)
    query = published(org_row.id, active_teams=True, active_people=True).where(
        AssignmentRow.start < horizon_start
    )
    if leave_out is not None:
        query = query.where(AssignmentRow.plan_id != leave_out)
    earlier = [piece for a in session.scalars(query) for piece in pieces_from_row(a)]
    return org_from_rows(session, org_row, extra_history=earlier)


def org_row_by_name(session: Session, name: str | None = None) -> OrgRow:
    """Return the named org, or the only one when no name is given."""
    query = select(OrgRow).order_by(OrgRow.id)
    if name is not None:
        query = query.where(OrgRow.name == name)
    rows = session.scalars(query).all()
    if not rows:
        raise LookupError(f"no org named {name!r}" if name else "no org imported yet")
    if name is None and len(rows) > 1:
        raise LookupError("several orgs: name one (" + ", ".join(r.name for r in rows) + ")")
    return rows[0]


def problem_for_plan(session: Session, plan_row: PlanRow) -> tuple[model.Problem, model.Plan]:
    """Rebuild the domain problem and plan of a stored plan version (swaps included, and
    accepted overrides as the pieces they split assignments into).

    The plan carries no max load ratio: the ratio stored when it was solved goes stale with
    every swap, so whoever needs one measures the assignments (`fairness_report`).
    """
    org_row = session.get(OrgRow, plan_row.org_id)
    org = org_with_earlier_plans(session, org_row, plan_row.start, leave_out=plan_row.id)
    problem = make_problem(org, plan_row.start, plan_row.weeks)
    plan = model.Plan(
        assignments=tuple(sorted(p for a in plan_row.assignments for p in pieces_from_row(a))),
        status=plan_row.solver_status,
        solve_seconds=plan_row.solve_seconds,
    )
    return problem, plan
