"""Bring an org (read from its file) into the database: one transaction, idempotent.

People and teams are matched by their key, so their row ids survive a re-import; people and
teams that left the file are marked inactive, never deleted (plans, swaps and accounts refer to
them). Leave, avoid requests and history that came from a file are replaced by the file's;
leave entered on the web or through the API is kept. Importing the same org twice changes
nothing and writes no audit entries. The caller commits; any error leaves the session to be
rolled back, so a broken org changes nothing.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain import model
from scheduler.services import audit, departures
from scheduler.services.notify import events as notices
from scheduler.store import (
    HistoryRow,
    MembershipRow,
    OrgRow,
    PersonRow,
    TeamRow,
    TimeOffRow,
    org_settings,
    rotation_to_json,
)

IMPORT = "import"
FILE_HISTORY = "file"  # history rows an org file owns; `rota import-history` adds "calendar" ones


class ImportError_(ValueError):
    """An org that cannot be imported as it stands (nothing was changed)."""


@dataclass
class ImportResult:
    """The imported org's id and the changes made, one sentence each (empty: nothing new).

    `uncovered` says, one sentence per person and live plan, which published shifts ahead are
    held by people who have left (docs/cli.md#people-who-leave); it may be non-empty even when
    nothing changed.
    """

    org_id: int
    changes: list[str] = field(default_factory=list)
    uncovered: list[str] = field(default_factory=list)


def import_org(session: Session, org: model.Org, actor: str, now: datetime) -> ImportResult:
    """Create or update the org's rows to match `org`; return what changed.

    A person the file no longer lists leaves the org: their accounts are disabled and their
    feed tokens revoked (`departures.leave_org`), and their published shifts from `now` on are
    reported as uncovered, and the teams' managers told once (`notify.events.shifts_uncovered`,
    in this transaction). One who comes back is active again, without those accounts and
    tokens.
    """
    validate(org)
    importer = _Importer(session, actor, now)
    org_row = importer.org(org)
    people = importer.people(org_row, org)
    teams = importer.teams(org_row, org, people)
    importer.time_off(org_row, org, people)
    importer.history(org, people, teams)
    importer.departures()
    session.flush()
    found = departures.uncovered_shifts(session, org_row.id, now)
    notices.shifts_uncovered(session, found, now)
    uncovered = [u.sentence() for u in found]
    return ImportResult(org_id=org_row.id, changes=importer.changes, uncovered=uncovered)


def validate(org: model.Org) -> None:
    """Raise ImportError_ when the org refers to people or teams it does not define."""
    if not org.name.strip():
        raise ImportError_("the org has no name")
    for kind, keys in (("person", [p.id for p in org.people]), ("team", [t.id for t in org.teams])):
        repeated = sorted(k for k, n in Counter(keys).items() if n > 1)
        if repeated:
            raise ImportError_(f"{kind} id {repeated[0]!r} appears more than once")
    people = org.people_by_id
    for team in org.teams:
        for member in team.members:
            if member not in people:
                raise ImportError_(
                    f"team {team.id!r}: member {member!r} is not a person of the org"
                )
    for entry in (*org.leave, *org.avoid):
        if entry.person not in people:
            raise ImportError_(f"leave of unknown person {entry.person!r}")
    for past in org.history:
        if past.person not in people or past.shift.team not in org.teams_by_id:
            raise ImportError_(
                f"history of unknown person {past.person!r} or team {past.shift.team!r}"
            )


def person_fields(person: model.Person) -> dict[str, Any]:
    """Return the PersonRow columns a domain Person sets."""
    return {
        "name": person.name,
        "email": person.email,
        "timezone": person.timezone,
        "site": person.site,
        "fte": person.fte,
        "joined": person.joined,
        "trainee_shadows": person.trainee.shadows if person.trainee else None,
        "trainee_secondaries": person.trainee.secondaries if person.trainee else None,
    }


def team_fields(team: model.Team) -> dict[str, Any]:
    """Return the TeamRow columns a domain Team sets."""
    return {
        "name": team.name,
        "timezone": team.timezone,
        "holidays": list(team.holidays),
        "services": list(team.services),
        "runbook": team.runbook,
        "swaps_need_approval": team.swaps_need_approval,
        "webhook_url": team.webhook_url,
        "fairness_guard": team.fairness_guard,
        "rotation": rotation_to_json(team.rotation),
    }


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


class _Importer:
    """The steps of one import, collecting the changes they make."""

    def __init__(self, session: Session, actor: str, now: datetime):
        self.session, self.actor, self.now = session, actor, now
        self.changes: list[str] = []
        self.org_id: int | None = None
        self.left: list[PersonRow] = []  # people this import deactivated
        self.back: list[PersonRow] = []  # people this import made active again

    def departures(self) -> None:
        """End the access of the people who left; say which accounts of returners stay off."""
        for person in self.left:
            self.changes += departures.leave_org(
                self.session, person, actor=self.actor, now=self.now
            )
        for person in self.back:
            for username in departures.disabled_accounts(self.session, person):
                self.changes.append(
                    f"account {username} of {person.key} stays disabled: enable it with "
                    f"`rota users enable {username}`; issue new feed URLs with "
                    f"`rota feeds --person {person.key} --rotate`"
                )

    def _audit(self, action: str, entity: str, entity_id, before, after) -> None:
        audit.record(
            self.session,
            self.actor,
            action,
            entity,
            entity_id,
            before,
            after,
            self.now,
            org_id=self.org_id,
        )

    def org(self, org: model.Org) -> OrgRow:
        """Create or update the org row by name."""
        wanted = {"timezone": org.timezone, "settings": org_settings(org)}
        row = self.session.scalars(select(OrgRow).where(OrgRow.name == org.name)).one_or_none()
        if row is None:
            row = OrgRow(name=org.name, **wanted)
            self.session.add(row)
            self.session.flush()
            self.org_id = row.id
            self._audit("org.create", "org", row.id, None, {"name": org.name, **wanted})
            self.changes.append(f"created org {org.name}")
            return row
        self.org_id = row.id
        self._update(row, wanted, "org", f"org {org.name}")
        return row

    def _update(self, row, wanted: dict[str, Any], entity: str, label: str) -> None:
        before = {k: getattr(row, k) for k in wanted if getattr(row, k) != wanted[k]}
        if not before:
            return
        after = {k: wanted[k] for k in before}
        for key, value in after.items():
            setattr(row, key, value)
        action = f"{entity}.reactivate" if after.get("active") else f"{entity}.update"
        self._audit(action, entity, row.id, before, after)
        self.changes.append(f"updated {label}: {', '.join(sorted(after))}")

    def _entities(self, row_type, org_row: OrgRow, entities, fields, entity: str):
        """Upsert people or teams by key; deactivate the ones no longer listed."""
        existing = {
            r.key: r
            for r in self.session.scalars(select(row_type).where(row_type.org_id == org_row.id))
        }
        rows = {}
        for item in entities:
            wanted = {**fields(item), "active": True}
            row = existing.get(item.id)
            if row is None:
                row = row_type(org_id=org_row.id, key=item.id, **wanted)
                self.session.add(row)
                self.session.flush()
                self._audit(f"{entity}.create", entity, row.id, None, {"key": item.id, **wanted})
                self.changes.append(f"added {entity} {item.id} ({item.name})")
            else:
                if entity == "person" and not row.active:
                    self.back.append(row)
                self._update(row, wanted, entity, f"{entity} {item.id}")
            rows[item.id] = row
        for key, row in sorted(existing.items()):
            if key not in rows and row.active:
                row.active = False
                self._audit(
                    f"{entity}.deactivate", entity, row.id, {"active": True}, {"active": False}
                )
                self.changes.append(f"deactivated {entity} {key} (no longer in the org file)")
                if entity == "person":
                    self.left.append(row)
        return rows

    def people(self, org_row: OrgRow, org: model.Org) -> dict[str, PersonRow]:
        """Create, update or deactivate the org's people; return the rows by key."""
        return self._entities(PersonRow, org_row, org.people, person_fields, "person")

    def teams(self, org_row, org: model.Org, people: dict[str, PersonRow]) -> dict[str, TeamRow]:
        """Create, update or deactivate teams and their memberships; return rows by key."""
        teams = self._entities(TeamRow, org_row, org.teams, team_fields, "team")
        for team in org.teams:
            self._members(teams[team.id], [people[m] for m in team.members])
        return teams

    def _members(self, team_row: TeamRow, members: list[PersonRow]) -> None:
        current = list(team_row.memberships)
        before = [m.person.key for m in current]
        after = [p.key for p in members]
        if before == after:
            return
        by_person = {m.person_id: m for m in current}
        wanted = {p.id for p in members}
        for membership in current:
            if membership.person_id not in wanted:
                team_row.memberships.remove(membership)
        for position, person in enumerate(members):
            membership = by_person.get(person.id)
            if membership is None:
                team_row.memberships.append(
                    MembershipRow(person_id=person.id, person=person, position=position)
                )
            else:
                membership.position = position
        team_row.memberships.sort(key=lambda m: m.position)
        self._audit("team.members", "team", team_row.id, {"members": before}, {"members": after})
        joined = [k for k in after if k not in before]
        left = [k for k in before if k not in after]
        what = ", ".join(
            part
            for part in (
                "joined: " + " ".join(joined) if joined else "",
                "left: " + " ".join(left) if left else "",
                "reordered" if not joined and not left else "",
            )
            if part
        )
        self.changes.append(f"members of team {team_row.key}: {what}")

    def time_off(self, org_row: OrgRow, org: model.Org, people: dict[str, PersonRow]) -> None:
        """Replace the imported leave and avoid requests of the org's people by the file's."""
        key_of = {row.id: key for key, row in people.items()}
        rows = self.session.scalars(
            select(TimeOffRow)
            .join(PersonRow, TimeOffRow.person_id == PersonRow.id)
            .where(PersonRow.org_id == org_row.id, TimeOffRow.source == IMPORT)
            .order_by(TimeOffRow.id)
        ).all()

        def key(person: str, kind: str, start: datetime, end: datetime):
            return (person, kind, _utc(start), _utc(end))

        wanted = Counter(key(e.person, "leave", e.start, e.end) for e in org.leave)
        wanted += Counter(key(e.person, "avoid", e.start, e.end) for e in org.avoid)
        have: Counter = Counter()
        for row in rows:
            k = key(key_of.get(row.person_id, row.person.key), row.kind, row.start, row.end)
            have[k] += 1
            if have[k] > wanted[k]:
                self.session.delete(row)
                self._time_off_change("remove", row.id, k)
        for k, count in wanted.items():  # in file order
            for _ in range(count - have[k]):
                person, kind, start, end = k
                row = TimeOffRow(
                    person_id=people[person].id, kind=kind, start=start, end=end, source=IMPORT
                )
                self.session.add(row)
                self.session.flush()
                self._time_off_change("add", row.id, k)

    def _time_off_change(self, verb: str, row_id: int, k: tuple) -> None:
        person, kind, start, end = k
        value = {"person": person, "kind": kind, "start": start, "end": end}
        before, after = (None, value) if verb == "add" else (value, None)
        self._audit(f"{kind}.{verb}", "time_off", row_id, before, after)
        word = "added" if verb == "add" else "removed"
        self.changes.append(
            f"{word} {kind} of {person}: {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
        )

    def history(self, org: model.Org, people: dict[str, PersonRow], teams: dict[str, TeamRow]):
        """Replace each team's file history by the file's (history imported from a calendar
        stays); one audit entry per team that changed."""
        person_key = {row.id: key for key, row in people.items()}
        team_key = {row.id: key for key, row in teams.items()}
        rows = self.session.scalars(
            select(HistoryRow)
            .where(HistoryRow.team_id.in_(list(team_key)), HistoryRow.source == FILE_HISTORY)
            .order_by(HistoryRow.id)
        ).all()

        def key(team: str, person: str, role: str, start, end, site):
            return (team, person, role, _utc(start), _utc(end), site)

        wanted = Counter(
            key(a.shift.team, a.person, a.role, a.shift.start, a.shift.end, a.shift.site)
            for a in org.history
        )
        have: Counter = Counter()
        removed: dict[str, list] = {}
        added: dict[str, list] = {}
        for row in rows:
            pkey = person_key.get(row.person_id) or self.session.get(PersonRow, row.person_id).key
            k = key(team_key[row.team_id], pkey, row.role, row.start, row.end, row.site)
            have[k] += 1
            if have[k] > wanted[k]:
                self.session.delete(row)
                removed.setdefault(k[0], []).append(k)
        for k, count in wanted.items():  # in file order
            for _ in range(count - have[k]):
                team, person, role, start, end, site = k
                self.session.add(
                    HistoryRow(
                        team_id=teams[team].id,
                        person_id=people[person].id,
                        role=role,
                        start=start,
                        end=end,
                        site=site,
                    )
                )
                added.setdefault(team, []).append(k)
        for team in sorted(set(removed) | set(added)):
            gone, new = removed.get(team, []), added.get(team, [])
            self._audit(
                "history.replace",
                "team",
                teams[team].id,
                {"removed": [_history_json(k) for k in gone]},
                {"added": [_history_json(k) for k in new]},
            )
            self.changes.append(f"history of team {team}: {len(new)} added, {len(gone)} removed")


def _history_json(k: tuple) -> dict[str, Any]:
    team, person, role, start, end, site = k
    return {"person": person, "role": role, "start": start, "end": end, "site": site}
