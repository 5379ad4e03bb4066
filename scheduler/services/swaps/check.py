"""What a change of people on published shifts would do: the rules it breaks, its fairness.

A `Board` rebuilds, from the store, every published plan such a change can affect: the plans
of the shifts themselves, and later plans of the org, which see them as history (rest across a
quarter boundary). It then judges any number of hypothetical changes without writing anything.
Only violations a change introduces count: a problem already in a plan (leave entered after
publishing, say) is the manager's to fix by re-planning, and must not block every other change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain import rules
from scheduler.domain.fairness import FairnessReport, fairness_report
from scheduler.domain.guard import GuardVerdict, judge_reports
from scheduler.domain.model import Assignment, Plan, PlanState, Problem
from scheduler.domain.points import DayCalendar
from scheduler.domain.rules import Violation
from scheduler.store import AssignmentRow, PlanRow, pieces_from_row, problem_for_plan


@dataclass
class _Version:
    """One published plan as the rulebook sees it."""

    row: PlanRow
    problem: Problem
    plan: Plan
    _before: list[Violation] | None = field(default=None, repr=False)

    @property
    def before(self) -> list[Violation]:
        """Return the violations the plans had before the change (computed once)."""
        if self._before is None:
            self._before = rules.check(self.problem, self.plan)
        return self._before


class Board:
    """The published plans a change of people on `rows` can affect, rebuilt from the store.

    Changes map an assignment row id (one of `rows`) to the key of the person who would hold it
    (a swap: the holder's pieces change hands, covers stay), or, for `judge_pieces`, to the
    pieces the row would split into (an override, docs/rules.md#overrides).
    """

    def __init__(self, session: Session, rows: Sequence[AssignmentRow]):
        self.old = {row.id: pieces_from_row(row) for row in rows}
        self.team_key = rows[0].team.key
        earliest = min(row.plan.start for row in rows)
        later = session.scalars(
            select(PlanRow)
            .where(
                PlanRow.org_id == rows[0].plan.org_id,
                PlanRow.state == PlanState.PUBLISHED,
                PlanRow.start > earliest,
            )
            .order_by(PlanRow.start, PlanRow.id)
        )
        plan_rows = dict.fromkeys([*(row.plan for row in rows), *later])  # the shift's plan first
        self.versions = [_Version(p, *problem_for_plan(session, p)) for p in plan_rows]

    def swapped(self, row_id: int, key: str) -> tuple[Assignment, ...]:
        """Return the row's pieces once `key` holds it: the holder's change hands, covers stay."""
        return tuple(a if a.cover else replace(a, person=key) for a in self.old[row_id])

    def _changed(
        self, changes: dict[int, tuple[Assignment, ...]]
    ) -> Iterator[tuple[_Version, Problem, Plan]]:
        """Yield each affected version with its problem and plan after the pieces change."""
        gone = {a for i in changes for a in self.old[i]}
        new = [a for pieces in changes.values() for a in pieces]
        for version in self.versions:
            problem, history = version.problem, version.problem.org.history
            in_plan = not gone.isdisjoint(version.plan.assignments)
            in_history = not gone.isdisjoint(history)
            if not (in_plan or in_history):
                continue
            if in_history:
                moved = tuple(a for a in history if a not in gone) + tuple(new)
                problem = replace(problem, org=replace(problem.org, history=moved))
            kept = [a for a in version.plan.assignments if a not in gone]
            assignments = tuple(sorted(kept + (new if in_plan else [])))
            yield version, problem, replace(version.plan, assignments=assignments)

    def _pieces(self, changes: dict[int, str]) -> dict[int, tuple[Assignment, ...]]:
        return {i: self.swapped(i, key) for i, key in changes.items()}

    def judge(self, changes: dict[int, str]) -> list[Violation]:
        """Return the violations that `changes` (row id -> new holder) introduce, across every
        affected plan."""
        return self.judge_pieces(self._pieces(changes))

    def judge_pieces(self, changes: dict[int, tuple[Assignment, ...]]) -> list[Violation]:
        """Return the violations that replacing rows' pieces introduce, across affected plans."""
        found: list[Violation] = []
        for version, problem, plan in self._changed(changes):
            found += introduced(version.before, rules.check(problem, plan))
        return found

    def reports(self, changes: dict[int, str]) -> tuple[FairnessReport, FairnessReport]:
        """Return the fairness of the first row's plan before and after `changes`."""
        return self.reports_pieces(self._pieces(changes))

    def reports_pieces(
        self, changes: dict[int, tuple[Assignment, ...]]
    ) -> tuple[FairnessReport, FairnessReport]:
        """Return the fairness of the first row's plan before and after the pieces change."""
        main = self.versions[0]
        problem, plan = next((p, a) for v, p, a in self._changed(changes) if v is main)
        calendar = DayCalendar(main.problem.org)
        return (
            fairness_report(main.problem, main.plan.assignments, calendar),
            fairness_report(problem, plan.assignments, calendar),
        )

    def guard(self, changes: dict[int, str], what: str = "this swap") -> GuardVerdict:
        """Judge `changes` by the team's fairness guard (docs/fairness.md#the-fairness-guard)."""
        before, after = self.reports(changes)
        return judge_reports(self.versions[0].problem.org, self.team_key, before, after, what)


def introduced(before: list[Violation], after: list[Violation]) -> list[Violation]:
    """Return the violations of `after` that `before` did not have (counted as a multiset).

    A violation that changes at all (a trainee's shadow count, the people a roster lacks) is
    new: the change made it different, so it is the change's to answer for.
    """
    known = Counter(before)
    new = []
    for violation in after:
        if known[violation]:
            known[violation] -= 1
        else:
            new.append(violation)
    return new


def ratios(report: FairnessReport) -> dict[str, float | None]:
    """Return each person's load ratio by key."""
    return {p.person: p.ratio for p in report.people}
