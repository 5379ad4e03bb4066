"""What a swap would do before anyone commits to it: the rules it breaks, its fairness effect,
and the teammates who could take a shift with the least damage to fairness."""

from __future__ import annotations

from dataclasses import dataclass
from math import inf

from sqlalchemy.orm import Session

from scheduler.domain.rules import Violation
from scheduler.services.swaps import rows
from scheduler.services.swaps.check import Board, ratios
from scheduler.services.swaps.errors import SwapRefused


@dataclass(frozen=True)
class FairnessChange:
    """A person's load ratio (load / fair share) before and after a swap; None: no fair share."""

    person_key: str
    name: str
    ratio_before: float | None
    ratio_after: float | None


@dataclass(frozen=True)
class SwapPreview:
    """The violations a swap would introduce, and the fairness change of the people involved."""

    violations: list[Violation]
    fairness: list[FairnessChange]

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
    return SwapPreview(violations=board.judge(changes), fairness=fairness)


def suggest_takers(session: Session, assignment_id: int, limit: int = 5) -> list[Suggestion]:
    """Return at most `limit` teammates who could take a shift, least damage to fairness first.

    Ordered by the org's max load ratio after the swap, then the taker's own ratio after it.
    Raises SwapNotFound for an unknown shift.
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
        after = board.reports(changes)[1]
        own = ratios(after).get(person.key)
        suggestion = Suggestion(person.id, person.key, person.name, after.max_load_ratio, own)
        ranked.append(((after.max_load_ratio, inf if own is None else own, person.key), suggestion))
    ranked.sort(key=lambda item: item[0])
    return [suggestion for _, suggestion in ranked[:limit]]
