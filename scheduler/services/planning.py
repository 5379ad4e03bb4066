"""Plans in the database: generate a draft, publish it, and ask who is on call.

`generate` reads the org, solves and stores a draft in the caller's session. On SQLite the
session holds the database's write lock from its first statement, so a caller that must not
block other writers during a long solve can run the three steps itself: `build_problem` in one
short transaction, `solve_problem` outside any, `store_draft` in a second one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scheduler.domain import model
from scheduler.domain.explain import explain, precheck
from scheduler.domain.fairness import FairnessReport, fairness_report
from scheduler.domain.points import DayCalendar
from scheduler.domain.shifts import local_midnight, make_problem
from scheduler.services import audit
from scheduler.solve.phases import SolveOptions, solve
from scheduler.store import (
    AssignmentRow,
    OrgRow,
    PersonRow,
    PlanRow,
    TeamRow,
    assignment_from_row,
    org_from_rows,
    problem_for_plan,
    published_assignments,
)

DRAFT, PUBLISHED, SUPERSEDED = (
    model.PlanState.DRAFT,
    model.PlanState.PUBLISHED,
    model.PlanState.SUPERSEDED,
)
ROLE_ORDER = {role: n for n, role in enumerate(model.ROLES)}


class PlanError(ValueError):
    """A plan that does not exist or cannot take the step asked of it."""


@dataclass(frozen=True)
class Generated:
    plan: PlanRow | None
    explanation: list[str]
    report: FairnessReport | None


@dataclass(frozen=True)
class Solved:
    result: model.Plan | None
    explanation: list[str]
    report: FairnessReport | None
    lower_bound: float | None


@dataclass(frozen=True)
class OnCall:
    team_key: str
    team_name: str
    role: str
    person_key: str
    person_name: str
    start: datetime
    end: datetime
    runbook: str | None
    services: tuple[str, ...]


def generate(
    session: Session,
    org_id: int,
    start: date,
    weeks: int,
    options: SolveOptions,
    actor: str,
    now: datetime,
) -> Generated:
    """Plan the org for `weeks` from `start` and store the plan as a new draft version."""
    problem = build_problem(session, org_id, start, weeks, now=now)
    solved = solve_problem(problem, options)
    if solved.result is None:
        return Generated(plan=None, explanation=solved.explanation, report=None)
    row = store_draft(session, org_id, problem, solved, actor, now)
    return Generated(plan=row, explanation=[], report=solved.report)


def build_problem(
    session: Session, org_id: int, start: date, weeks: int, now: datetime | None = None
) -> model.Problem:
    """Build the problem from the database; published shifts before `start` count as history.

    Re-planning a horizon that has a published plan keeps that plan's started shifts (those
    before `now`) and changes as few of its future ones as fairness allows.
    """
    org_row = _org(session, org_id)
    horizon_start = local_midnight(start, org_row.timezone)
    earlier = [
        assignment_from_row(a)
        for a in published_assignments(session, org_id)
        if a.start < horizon_start and a.person.active and a.team.active
    ]
    org = org_from_rows(session, org_row, extra_history=earlier)
    live = session.scalars(
        select(PlanRow).where(
            PlanRow.org_id == org_id, PlanRow.start == start, PlanRow.state == "published"
        )
    ).first()
    if live is None or now is None:
        return make_problem(org, start, weeks)
    previous = [
        assignment_from_row(a) for a in live.assignments if a.person.active and a.team.active
    ]
    return make_problem(org, start, weeks, previous=previous, now=now)


def solve_problem(problem: model.Problem, options: SolveOptions) -> Solved:
    """Solve (no database): a plan with its fairness report, or the sentences saying why not."""
    obvious = precheck(problem)
    if obvious:
        return Solved(None, obvious, None, None)
    try:
        result = solve(problem, options)
    except TimeoutError:
        limit = f"{options.time_limit:g} s"
        return Solved(None, [f"no plan was found within {limit}; allow a longer solve"], None, None)
    if result.status == model.INFEASIBLE:
        sentences = explain(problem, time_limit=min(options.time_limit, 30))
        sentences = sentences or ["no plan was found within the time limit; allow a longer solve"]
        return Solved(None, sentences, None, None)
    bound = result.lower_bound
    report = fairness_report(problem, result.assignments, DayCalendar(problem.org), bound)
    return Solved(result, [], report, bound)


def store_draft(
    session: Session,
    org_id: int,
    problem: model.Problem,
    solved: Solved,
    actor: str,
    now: datetime,
) -> PlanRow:
    """Store a solved plan as the next draft version of the org's plan for its horizon."""
    result, report = solved.result, solved.report
    start, weeks = problem.horizon.start, problem.horizon.weeks
    latest = session.scalar(
        select(func.max(PlanRow.version)).where(PlanRow.org_id == org_id, PlanRow.start == start)
    )
    row = PlanRow(
        org_id=org_id,
        start=start,
        weeks=weeks,
        version=(latest or 0) + 1,
        state=DRAFT,
        solver_status=result.status,
        max_load_ratio=report.max_load_ratio,
        lower_bound=solved.lower_bound,
        solve_seconds=result.solve_seconds,
        created_at=now,
        created_by=actor,
    )
    teams = _ids(session, TeamRow, org_id)
    people = _ids(session, PersonRow, org_id)
    row.assignments = [
        AssignmentRow(
            team_id=teams[a.shift.team],
            role=a.role,
            start=a.shift.start,
            end=a.shift.end,
            site=a.shift.site,
            person_id=people[a.person],
        )
        for a in result.assignments
    ]
    session.add(row)
    session.flush()
    audit.record(session, actor, "plan.generate", "plan", row.id, None, _summary(row), now)
    return row


def publish(session: Session, plan_id: int, actor: str, now: datetime) -> PlanRow:
    """Make a draft the live plan; the plan it replaces (same org and start) is superseded."""
    row = session.get(PlanRow, plan_id, with_for_update=True)
    if row is None:
        raise PlanError(f"there is no plan #{plan_id}")
    if row.state != DRAFT:
        raise PlanError(f"plan #{plan_id} is {row.state}, not a draft; only a draft is published")
    live = session.scalars(
        select(PlanRow)
        .where(PlanRow.org_id == row.org_id, PlanRow.start == row.start, PlanRow.state == PUBLISHED)
        .with_for_update()
    ).all()
    for old in live:
        old.state = SUPERSEDED
        audit.record(
            session,
            actor,
            "plan.supersede",
            "plan",
            old.id,
            {"state": PUBLISHED},
            {"state": SUPERSEDED, "by": row.id},
            now,
        )
    row.state, row.published_at = PUBLISHED, now
    audit.record(
        session, actor, "plan.publish", "plan", row.id, {"state": DRAFT}, _summary(row), now
    )
    session.flush()
    return row


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
    zone = _org(session, org_id).timezone
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


def _published_rows(session: Session, org_id: int, *conditions) -> list:
    """Return (assignment, plan) pairs of active teams' published shifts, in time order."""
    return session.execute(
        select(AssignmentRow, PlanRow)
        .join(PlanRow, AssignmentRow.plan_id == PlanRow.id)
        .join(TeamRow, AssignmentRow.team_id == TeamRow.id)
        .where(
            PlanRow.org_id == org_id,
            PlanRow.state == PUBLISHED,
            TeamRow.active.is_(True),
            *conditions,
        )
        .order_by(AssignmentRow.start)
    ).all()


def on_call(session: Session, org_id: int, at: datetime) -> list[OnCall]:
    """Return who holds each role of each active team at `at`, from published plans only."""
    rows = _published_rows(session, org_id, AssignmentRow.start <= at, AssignmentRow.end > at)
    return _crews([a for a, _ in rows], {a.id: p for a, p in rows})


def next_on_call(session: Session, org_id: int, at: datetime) -> list[OnCall]:
    """Return, per active team, the next shift's crew starting after `at` (published plans)."""
    rows = _published_rows(session, org_id, AssignmentRow.start > at)
    first: dict[int, datetime] = {}
    for a, _ in rows:
        first.setdefault(a.team_id, a.start)
    chosen = [(a, p) for a, p in rows if a.start == first[a.team_id]]
    return _crews([a for a, _ in chosen], {a.id: p for a, p in chosen})


def fairness_of(session: Session, plan_id: int) -> FairnessReport:
    """Measure a stored plan as it stands now (swaps included)."""
    row = session.get(PlanRow, plan_id)
    if row is None:
        raise PlanError(f"there is no plan #{plan_id}")
    problem, plan = problem_for_plan(session, row)
    org = problem.org
    assignments = [
        a
        for a in plan.assignments
        if a.person in org.people_by_id and a.shift.team in org.teams_by_id
    ]
    return fairness_report(problem, assignments, DayCalendar(problem.org), row.lower_bound)


def _crews(assignments: list[AssignmentRow], plan_of: dict[int, PlanRow]) -> list[OnCall]:
    """Keep, per team, the assignments of the newest plan among those that cover the time."""

    def rank(a: AssignmentRow) -> tuple:
        plan = plan_of[a.id]
        return (plan.start, plan.published_at or plan.created_at, plan.version)

    best: dict[int, tuple] = {}
    for a in assignments:
        best[a.team_id] = max(best.get(a.team_id, rank(a)), rank(a))
    kept = [a for a in assignments if rank(a) == best[a.team_id]]
    kept.sort(key=lambda a: (a.team.id, a.start, ROLE_ORDER.get(a.role, 9), a.id))
    return [
        OnCall(
            team_key=a.team.key,
            team_name=a.team.name,
            role=a.role,
            person_key=a.person.key,
            person_name=a.person.name,
            start=a.start,
            end=a.end,
            runbook=a.team.runbook,
            services=tuple(a.team.services or ()),
        )
        for a in kept
    ]


def _summary(row: PlanRow) -> dict:
    return {
        "start": row.start,
        "weeks": row.weeks,
        "version": row.version,
        "state": row.state,
        "status": row.solver_status,
        "max_load_ratio": row.max_load_ratio,
        "lower_bound": row.lower_bound,
        "assignments": len(row.assignments),
    }


def _org(session: Session, org_id: int) -> OrgRow:
    row = session.get(OrgRow, org_id)
    if row is None:
        raise PlanError(f"there is no org #{org_id}")
    return row


def _ids(session: Session, row_type, org_id: int) -> dict[str, int]:
    rows = session.execute(select(row_type.key, row_type.id).where(row_type.org_id == org_id))
    return {key: row_id for key, row_id in rows}


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
