"""Plans in the database: generate a draft, publish it, and ask who is on call.

`plan_draft` is the one read-solve-store sequence (the command line, the demo and the web's
background jobs call it); `generate` does the same in the caller's session.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from scheduler.domain import model, rules
from scheduler.domain.fairness import FairnessReport, fairness_report
from scheduler.domain.points import DayCalendar
from scheduler.domain.previous import Matched, PreviousRow, match_previous
from scheduler.domain.shifts import history_before, make_problem
from scheduler.domain.text import plural
from scheduler.services import audit, departures, rights
from scheduler.services.notify import events as notices
from scheduler.services.overrides.carry import carry_over
from scheduler.services.plan_versions import (  # noqa: F401  (re-exported for callers)
    DRAFT,
    PUBLISHED,
    SUPERSEDED,
    latest_draft,
    live_plan,
    next_quarter_start,
    plan_covering,
    plan_end,
    plan_versions,
    published_plans,
    superseded_ids,
)
from scheduler.solve import Outcome, SolveOptions, plan_or_explain
from scheduler.store import (
    AssignmentRow,
    OrgRow,
    PersonRow,
    PlanRow,
    TeamRow,
    UserRow,
    org_with_earlier_plans,
    problem_for_plan,
)


class PlanError(ValueError):
    """A plan that does not exist or cannot take the step asked of it."""


class StaleDraft(PlanError):
    """A draft that breaks the rules as they stand now (leave or members changed since it was
    made): `sentences` name each conflict, one per broken rule and shift (docs/rules.md)."""

    def __init__(self, row: PlanRow, sentences: list[str]):
        self.sentences = sentences
        shown = sentences[:MAX_CONFLICTS_SHOWN]
        more = len(sentences) - len(shown)
        super().__init__(
            f"plan #{row.id} cannot be published: it breaks the rules as they stand now. "
            + " ".join(shown)
            + (f" And {more} more." if more else "")
            + f" Re-plan {row.weeks} weeks from {row.start} (`rota plan --db --start {row.start}"
            f" --weeks {row.weeks}`, or Generate on the plans page) and publish the new draft."
        )


MAX_CONFLICTS_SHOWN = 10


@dataclass(frozen=True)
class Generated:
    """A stored draft (`plan`, with its fairness `report`), or the `explanation` of why none."""

    plan: PlanRow | None
    explanation: list[str]
    report: FairnessReport | None


def generate(
    session: Session,
    org_id: int,
    start: date,
    weeks: int,
    options: SolveOptions,
    actor: str,
    now: datetime,
) -> Generated:
    """Plan the org for `weeks` from `start` in the caller's session and store a new draft.

    On SQLite the session holds the write lock while the solver runs; callers that must not
    block other writers use `plan_draft`, which solves outside any transaction.
    """
    problem = build_problem(session, org_id, start, weeks, now=now)
    outcome = plan_or_explain(problem, options)
    if outcome.plan is None:
        return Generated(plan=None, explanation=list(outcome.explanation), report=None)
    row = store_draft(session, org_id, problem, outcome, actor, now)
    return Generated(plan=row, explanation=[], report=outcome.report)


@dataclass(frozen=True)
class Drafted:
    """What `plan_draft` did: the outcome of the solve, and the stored draft's id and version."""

    problem: model.Problem
    outcome: Outcome
    plan_id: int | None = None
    version: int | None = None


def plan_draft(
    sessions: sessionmaker[Session],
    org_id: int,
    start: date,
    weeks: int,
    options: SolveOptions,
    actor: str,
    now: datetime,
    keep_live: bool = True,
    publish_it: bool = False,
) -> Drafted:
    """Read, solve and store a draft in three steps, holding no transaction while solving.

    The problem is read in one short transaction and the draft stored in a second (published
    too with `publish_it`). With `keep_live`, a published plan of the same horizon is
    re-planned: its started shifts stay. No draft is stored when there is no plan.
    """
    with sessions() as session:
        problem = build_problem(session, org_id, start, weeks, now=now if keep_live else None)
    outcome = plan_or_explain(problem, options)
    if outcome.plan is None:
        return Drafted(problem, outcome)
    with sessions.begin() as session:
        row = store_draft(session, org_id, problem, outcome, actor, now)
        if publish_it:
            publish(session, row.id, actor, now)
        return Drafted(problem, outcome, row.id, row.version)


def build_problem(
    session: Session, org_id: int, start: date, weeks: int, now: datetime | None = None
) -> model.Problem:
    """Build the problem from the database; published shifts before `start` count as history.

    Imported history from `start` on is left out, as `rota plan` does with an org file
    (docs/org-file.md#history). Re-planning a horizon that has a published plan keeps that
    plan's started shifts (those before `now`) and changes as few of its future ones as
    fairness allows.
    """
    org_row = _org(session, org_id)
    org, _ = history_before(org_with_earlier_plans(session, org_row, start), start)
    live = _live_of(session, org_id, start)
    problem = make_problem(org, start, weeks)
    if live is None or now is None:
        return problem
    problem = replace(problem, previous=_live_previous(problem, live).assignments, now=now)
    return departures.without_started_by_leavers(problem, live, now)


def previous_mismatch(session: Session, org_id: int, problem: model.Problem) -> list[str]:
    """Say what of the live plan a re-plan could not keep because the org changed since (people
    or teams gone, rotations moved), one line per kind; empty when all of it still applies or
    the problem is not a re-plan (docs/cli.md#re-planning-a-live-quarter)."""
    live = _live_of(session, org_id, problem.horizon.start) if problem.previous else None
    return _live_previous(problem, live).lines() if live is not None else []


def _live_of(session: Session, org_id: int, start: date) -> PlanRow | None:
    return session.scalars(
        select(PlanRow).where(
            PlanRow.org_id == org_id, PlanRow.start == start, PlanRow.state == PUBLISHED
        )
    ).first()


def _live_previous(problem: model.Problem, live: PlanRow) -> Matched:
    rows = [PreviousRow(a.team.key, a.role, a.start, a.person.key) for a in live.assignments]
    return match_previous(problem, rows)


def store_draft(
    session: Session,
    org_id: int,
    problem: model.Problem,
    outcome: Outcome,
    actor: str,
    now: datetime,
) -> PlanRow:
    """Store a solved plan as the next draft version of the org's plan for its horizon."""
    result, report = outcome.plan, outcome.report
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
        lower_bound=outcome.lower_bound,
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
    ] + departures.started_by_leavers(session, org_id, problem)
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "plan.generate", "plan", row.id, None, _summary(row), now, org_id=org_id
    )
    return row


def draft_of_request(
    session: Session, org_id: int, start: date, actor: str, now: datetime
) -> PlanRow | None:
    """Return the draft `actor` stored for this horizon at `now`, if any.

    A queued plan's merge job runs again when its worker died; a draft stored by the first run
    (same actor, same request time) must not be stored twice (docs/service.md).
    """
    return session.scalar(
        select(PlanRow).where(
            PlanRow.org_id == org_id,
            PlanRow.start == start,
            PlanRow.created_by == actor,
            PlanRow.created_at == now,
        )
    )


def publish(
    session: Session, plan_id: int, actor: str, now: datetime, user: UserRow | None = None
) -> PlanRow:
    """Make a draft the live plan; the plan it replaces (same org and start) is superseded.

    Publishes of one org take turns (a lock on the org's row), so two drafts of one quarter
    published at once leave exactly one live. Each shift has at most one live crew: a draft
    whose horizon overlaps a live plan of another start is refused. The rulebook runs on the
    draft again against the org as it stands (leave entered and people gone since it was
    made): a broken rule on a shift not yet started raises StaleDraft. Raises PlanError
    (nothing changed) for a missing plan, one that is not a draft, or an overlap; with a `user`
    (the web), rights.NotAllowed when the plan changes teams they may not change. People whose
    shifts not yet started it changes are notified in the same transaction
    (docs/notifications.md).
    """
    found = session.get(PlanRow, plan_id)
    if found is None:
        raise PlanError(f"there is no plan #{plan_id}")
    session.get(OrgRow, found.org_id, with_for_update=True)  # publishes of an org take turns
    row = session.get(PlanRow, plan_id, with_for_update=True, populate_existing=True)
    if row.state != DRAFT:
        raise PlanError(f"plan #{plan_id} is {row.state}, not a draft; only a draft is published")
    if user is not None:
        rights.check_may_publish(session, user, row)  # after the lock: the live plan is settled
    live = session.scalars(
        select(PlanRow)
        .where(PlanRow.org_id == row.org_id, PlanRow.state == PUBLISHED)
        .with_for_update()
    ).all()
    for other in live:
        if other.start != row.start and other.start < plan_end(row) and row.start < plan_end(other):
            raise PlanError(
                f"plan #{row.id} ({plural(row.weeks, 'week')} from {row.start}) overlaps the "
                f"live plan #{other.id} ({plural(other.weeks, 'week')} from {other.start}): a "
                "shift would have two "
                f"live crews; re-plan from {other.start} instead, or start on or after "
                f"{plan_end(other)}"
            )
    conflicts = current_conflicts(session, row, now)
    if conflicts:
        raise StaleDraft(row, conflicts)
    live = [other for other in live if other.start == row.start]
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
            org_id=row.org_id,
        )
    row.state, row.published_at = PUBLISHED, now
    session.flush()
    for old in live:  # accepted overrides survive the re-plan where they still fit
        carry_over(session, old, row, actor, now)
    notices.plan_published(session, row, live, now)
    audit.record(
        session,
        actor,
        "plan.publish",
        "plan",
        row.id,
        {"state": DRAFT},
        _summary(row),
        now,
        org_id=row.org_id,
    )
    session.flush()
    return row


def current_conflicts(session: Session, row: PlanRow, now: datetime) -> list[str]:
    """Return one sentence per hard rule the plan breaks against the org as it stands now.

    Only shifts not yet started at `now` count: started ones are history (docs/rules.md).
    The org is read afresh (leave, members, people who left), so a draft made before new
    leave was recorded shows the conflict.
    """
    problem, plan = problem_for_plan(session, row)
    return [v.message for v in rules.check(problem, plan) if v.start is None or v.start >= now]


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
