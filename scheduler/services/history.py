"""History from the tool an organisation used before Rota: add matched calendar shifts.

`add_history` writes the shifts `scheduler.domain.calendars` read and matched as history rows
(source "calendar"), so the next plan counts them in each person's load like history from the
org file (SPEC 5, docs/history.md). A shift already in the team's history (same person, role,
start and end) is not added again, so importing one export twice adds nothing the second time.
Re-importing the org file replaces only the file's own history. The caller commits; an error
leaves the session to be rolled back, so nothing is half-imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain.calendars import HistoryShift
from scheduler.services import audit
from scheduler.store import HistoryRow, OrgRow

CALENDAR = "calendar"


class HistoryImportError(ValueError):
    """Shifts that name a team or person the org does not have (nothing was added)."""


@dataclass(frozen=True)
class HistoryAdded:
    """The shifts written (`added`) and those already in history (`already`)."""

    added: tuple[HistoryShift, ...]
    already: tuple[HistoryShift, ...]


def add_history(
    session: Session,
    org_row: OrgRow,
    shifts: tuple[HistoryShift, ...],
    actor: str,
    now: datetime,
    source: str,
) -> HistoryAdded:
    """Add `shifts` (keys of `org_row`'s active teams and people, UTC times) as history.

    One audit entry per team that gained shifts names `source` (the file). Raises
    HistoryImportError for an unknown or inactive team or person, or a shift that overlaps
    another person's history in the same team and role.
    """
    teams = {t.key: t for t in org_row.teams if t.active}
    people = {p.key: p for p in org_row.people if p.active}
    for shift in shifts:
        if shift.team not in teams:
            raise HistoryImportError(f"{shift.uid}: the org has no active team {shift.team!r}")
        if shift.person not in people:
            raise HistoryImportError(f"{shift.uid}: the org has no active person {shift.person!r}")
    team_ids = [teams[s.team].id for s in shifts]
    rows = list(session.scalars(select(HistoryRow).where(HistoryRow.team_id.in_(team_ids))))
    existing = {(row.team_id, row.person_id, row.role, row.start, row.end) for row in rows}
    _refuse_overlaps(shifts, rows, teams, people)
    added, already = [], []
    for shift in shifts:
        team, person = teams[shift.team], people[shift.person]
        key = (team.id, person.id, shift.role, shift.start, shift.end)
        if key in existing:
            already.append(shift)
            continue
        existing.add(key)
        session.add(
            HistoryRow(
                team_id=team.id,
                person_id=person.id,
                role=shift.role,
                start=shift.start,
                end=shift.end,
                source=CALENDAR,
            )
        )
        added.append(shift)
    for team_key in sorted({s.team for s in added}):
        mine = [s.as_json() for s in added if s.team == team_key]
        audit.record(
            session,
            actor,
            "history.import",
            "team",
            teams[team_key].id,
            None,
            {"source": source[:200], "added": mine},
            now,
            org_id=org_row.id,
        )
    session.flush()
    return HistoryAdded(tuple(added), tuple(already))


def _refuse_overlaps(shifts, rows: list[HistoryRow], teams: dict, people: dict) -> None:
    """Refuse a shift that overlaps someone else's history in its team and role."""
    key_of = {person.id: key for key, person in people.items()}
    by_rotation: dict[tuple[int, str], list[HistoryRow]] = {}
    for row in rows:
        by_rotation.setdefault((row.team_id, row.role), []).append(row)
    for shift in shifts:
        person_id = people[shift.person].id
        for row in by_rotation.get((teams[shift.team].id, shift.role), ()):
            if row.person_id != person_id and row.start < shift.end and shift.start < row.end:
                other = key_of.get(row.person_id, f"person #{row.person_id}")
                raise HistoryImportError(
                    f"event {shift.uid} at {shift.start:%Y-%m-%dT%H:%MZ} ({shift.person}) "
                    f"overlaps {other}'s {row.role} history in {shift.team} from "
                    f"{row.start:%Y-%m-%dT%H:%MZ} to {row.end:%Y-%m-%dT%H:%MZ}"
                )
