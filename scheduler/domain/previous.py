"""A previous plan read against today's org: what still applies is kept, the rest is dropped
and said, one line per kind (docs/cli.md#re-planning-a-live-quarter)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from scheduler.domain.model import Assignment, Problem, Role
from scheduler.domain.shifts import local_midnight

# Why a previous assignment no longer applies, worded for "N assignments ... are dropped".
GONE_PERSON = "of people no longer in the org"
GONE_TEAM = "of teams no longer in the org"
NOT_MEMBER = "of people no longer members of that team"
GONE_ROLE = "of roles their team's rotation no longer has"
MOVED_SHIFT = "of shifts the rotation no longer has (its handoff, length or slots moved)"
OUTSIDE = "outside this horizon"
DUPLICATE = "repeating a shift and role already held in the file"
KINDS = (GONE_PERSON, GONE_TEAM, NOT_MEMBER, GONE_ROLE, MOVED_SHIFT, OUTSIDE, DUPLICATE)


@dataclass(frozen=True)
class PreviousRow:
    """One row of a previous plan as written: team and person ids, role, start (aware)."""

    team: str
    role: str
    start: datetime
    person: str


@dataclass(frozen=True)
class Matched:
    """The previous assignments that still apply, and how many were dropped for each reason."""

    assignments: tuple[Assignment, ...]
    dropped: dict[str, int]

    def lines(self) -> list[str]:
        """Say each kind of drop once: '3 assignments of people no longer in the org are
        dropped', in the order of KINDS."""
        return [
            f"{n} assignment{'' if n == 1 else 's'} {kind} {'is' if n == 1 else 'are'} dropped"
            for kind in KINDS
            if (n := self.dropped.get(kind, 0))
        ]


def match_previous(problem: Problem, rows: Iterable[PreviousRow]) -> Matched:
    """Match a previous plan's rows to this horizon's shifts by team and start; keep those whose
    team, person, membership, role and shift still exist, drop (and count) the rest."""
    org = problem.org
    by_key = {(s.team, s.start): s for s in problem.shifts}
    first = min(
        (local_midnight(problem.horizon.start, t.timezone) for t in org.teams), default=None
    )
    last = max((s.start for s in problem.shifts), default=None)
    kept: dict[tuple, Assignment] = {}
    dropped: dict[str, int] = {}
    for row in rows:
        reason = _reason(problem, row, by_key, first, last, kept)
        if reason is not None:
            dropped[reason] = dropped.get(reason, 0) + 1
            continue
        shift = by_key[(row.team, row.start)]
        kept[(shift, row.role)] = Assignment(shift=shift, role=row.role, person=row.person)
    return Matched(tuple(kept.values()), dropped)


def _reason(problem, row, by_key, first, last, kept) -> str | None:
    org = problem.org
    if row.team not in org.teams_by_id:
        return GONE_TEAM
    if row.person not in org.people_by_id:
        return GONE_PERSON
    team = org.team(row.team)
    if row.person not in team.members:
        return NOT_MEMBER
    if row.role != Role.SHADOW and row.role not in team.rotation.roles:
        return GONE_ROLE
    shift = by_key.get((row.team, row.start))
    if shift is None:
        inside = first is not None and last is not None and first <= row.start <= last
        return MOVED_SHIFT if inside else OUTSIDE
    if (shift, row.role) in kept:
        return DUPLICATE
    return None
