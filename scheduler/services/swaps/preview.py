"""What a swap would do before anyone commits to it: the rules it breaks, its fairness effect
(and whether the team's fairness guard would hold it for a manager), and the teammates who
could take a shift with the least damage to fairness, or the shifts it could be traded for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from math import inf

from sqlalchemy.orm import Session

from scheduler.domain.guard import GuardVerdict, judge_reports
from scheduler.domain.model import Role
from scheduler.domain.rules import Violation, refusal_lines
from scheduler.services import queries
from scheduler.services.swaps import rows
from scheduler.services.swaps.check import Board, ratios
from scheduler.services.swaps.errors import SwapRefused
from scheduler.store import AssignmentRow


@dataclass(frozen=True)
class FairnessChange:
    """A person's load ratio (load / fair share) before and after a swap; None: no fair share."""

    person_key: str
    name: str
    ratio_before: float | None
    ratio_after: float | None


@dataclass(frozen=True)
class SwapPreview:
    """The violations a swap would introduce, the fairness change of the people involved, and
    the team's max load ratio before and after it, held or not by the fairness guard."""

    violations: list[Violation]
    fairness: list[FairnessChange]
    guard: GuardVerdict | None = None

    @property
    def lines(self) -> list[str]:
        """Return the broken rules, one line per rule (docs/rules.md)."""
        return refusal_lines(self.violations)

    @property
    def allowed(self) -> bool:
        """Tell whether the swap breaks no rule."""
        return not self.violations


@dataclass(frozen=True)
class Suggestion:
    """A teammate who could take a shift, with the org's max load ratio and theirs after it."""

    person_id: int
    person_key: str
    name: str
    max_ratio_after: float
    ratio_after: float | None = None
    held: bool = False  # the fairness guard would send the swap to a manager


def preview(
    session: Session,
    assignment_id: int,
    to_person_id: int | None,
    other_assignment_id: int | None = None,
) -> SwapPreview:
    """Tell what a swap would break and how it moves the fairness of the people involved.

    For a trade, `to_person_id` defaults to the holder of the other shift. Raises SwapNotFound
    for an unknown shift or person, SwapRefused when nobody is named or the taker left.
    """
    row = rows.assignment(session, assignment_id)
    shifts = [row]
    if other_assignment_id is not None:
        other = rows.assignment(session, other_assignment_id)
        shifts.append(other)
        to_person_id = other.person_id if to_person_id is None else to_person_id
    if to_person_id is None:
        raise SwapRefused("Name who would take the shift.")
    taker = rows.person(session, to_person_id, row.plan.org_id)
    changes = {row.id: taker.key}
    if other_assignment_id is not None:
        changes[shifts[1].id] = row.person.key
    board = Board(session, shifts)
    before, after = board.reports(changes)
    ratios_before, ratios_after = ratios(before), ratios(after)
    people = [row.person, taker] + ([shifts[1].person] if len(shifts) > 1 else [])
    fairness = [
        FairnessChange(p.key, p.name, ratios_before.get(p.key), ratios_after.get(p.key))
        for p in dict.fromkeys(people)
    ]
    guard = judge_reports(board.versions[0].problem.org, board.team_key, before, after)
    return SwapPreview(violations=board.judge(changes), fairness=fairness, guard=guard)


def suggest_takers(session: Session, assignment_id: int, limit: int | None = 5) -> list[Suggestion]:
    """Return at most `limit` (None: all) teammates who could take a shift, least damage first.

    Only people the rulebook lets take it (docs/rules.md); ordered by the org's max load ratio
    after the swap, then the taker's own ratio after it. Raises SwapNotFound for an unknown
    shift.
    """
    row = rows.assignment(session, assignment_id)
    board = Board(session, [row])
    ranked = []
    for membership in row.team.memberships:
        person = membership.person
        if not person.active or person.id == row.person_id:
            continue
        changes = {row.id: person.key}
        if board.judge(changes):
            continue
        before, after = board.reports(changes)
        own = ratios(after).get(person.key)
        held = judge_reports(board.versions[0].problem.org, board.team_key, before, after).held
        suggestion = Suggestion(person.id, person.key, person.name, after.max_load_ratio, own, held)
        ranked.append(((after.max_load_ratio, inf if own is None else own, person.key), suggestion))
    ranked.sort(key=lambda item: item[0])
    return [suggestion for _, suggestion in ranked[:limit]]


def tradable(session: Session, assignment_id: int, now: datetime) -> list[AssignmentRow]:
    """Return the teammates' shifts a shift could be traded for without breaking a rule.

    Published shifts of the same team that start after `now`, held by someone else, of the
    same kind (a shadow place trades only for a shadow place: a primary never for a shadow),
    and whose trade the rulebook allows (docs/rules.md); in time order. Raises SwapNotFound
    for an unknown shift.
    """
    row = rows.assignment(session, assignment_id)
    shadow = row.role == Role.SHADOW
    others = [
        other
        for other in queries.published_shifts(
            session, row.plan.org_id, team_id=row.team_id, start=now
        )
        if other.person_id != row.person_id
        and other.start > now
        and (other.role == Role.SHADOW) == shadow
    ]
    if not others:
        return []
    board = Board(session, [row, *others])
    return [
        other
        for other in others
        if not board.judge({row.id: other.person.key, other.id: row.person.key})
    ]
