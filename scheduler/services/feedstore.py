"""Feeds from the database: a person's or team's published shifts, with persisted revisions.

A feed covers the assignments of published plans from 30 days before `now` to the end of the
latest published plan. What each event last said is kept in `EventRevisionRow` as a fingerprint
of its content: SEQUENCE and LAST-MODIFIED rise only when the content changes, so DTSTAMP (the
last change) and the feed's bytes stay identical between requests while nothing changes. The
fingerprint and the revision rule are the domain's (`feeds.revise`), shared with feed files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta

from icalendar import Calendar
from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from scheduler import store
from scheduler.domain import model
from scheduler.domain.feeds import (
    EventRevision,
    KnownEvent,
    feed_bytes,
    fingerprints,
    person_feed,
    revise,
    team_feed,
)
from scheduler.domain.model import SwapStatus

LOOKBACK = timedelta(days=30)

Render = Callable[[Mapping[str, EventRevision] | None], Calendar]
Writer = Callable[[], Session]


def person_feed_bytes(
    session: Session, person_id: int, now: datetime, writer: Writer | None = None
) -> bytes:
    """Render the feed of one person's published shifts, across all of their teams.

    Revisions are recorded through `session`, or, when `writer` (a session factory) is given,
    in a transaction of their own opened only when an event is new or changed: a feed that
    reads what it showed before then takes no write lock, so a long writer never stalls it.
    """
    person = session.get(store.PersonRow, person_id)
    if person is None or not person.active:
        raise LookupError(f"no active person with id {person_id}")
    covered = (
        select(store.OverrideRow.assignment_id)
        .where(store.OverrideRow.cover_id == person.id)
        .where(store.OverrideRow.status == SwapStatus.ACCEPTED)
    )
    rows = _published_rows(
        session,
        person.org_id,
        now,
        or_(store.AssignmentRow.person_id == person.id, store.AssignmentRow.id.in_(covered)),
    )
    # Each event names the others on the shift, so the whole crew of each shift is needed.
    shifts = {(r.team_id, r.start) for r in rows}
    crews = _published_rows(
        session,
        person.org_id,
        now,
        store.AssignmentRow.team_id.in_({team_id for team_id, _ in shifts}),
    )
    crews = [r for r in crews if (r.team_id, r.start) in shifts]
    org = _org(person.org, crews, extra_people=[person])
    assignments = [piece for r in crews for piece in store.pieces_from_row(r)]

    def render(revisions):
        return person_feed(org, assignments, person.key, now, revisions)

    return _render_with_revisions(session, person.org_id, render, now, writer)


def team_feed_bytes(
    session: Session, team_id: int, now: datetime, writer: Writer | None = None
) -> bytes:
    """Render the feed of one team's rotation: every role on every published shift
    (`writer` as for `person_feed_bytes`)."""
    team = session.get(store.TeamRow, team_id)
    if team is None or not team.active:
        raise LookupError(f"no active team with id {team_id}")
    rows = _published_rows(session, team.org_id, now, store.AssignmentRow.team_id == team.id)
    org = _org(team.org, rows, extra_teams=[team])
    assignments = [piece for r in rows for piece in store.pieces_from_row(r)]

    def render(revisions):
        return team_feed(org, assignments, team.key, now, revisions)

    return _render_with_revisions(session, team.org_id, render, now, writer)


def _published_rows(session: Session, org_id: int, now: datetime, condition):
    """Return published assignments of the org ending after the lookback, in time order."""
    return list(
        session.scalars(
            store.published(org_id, start=now - LOOKBACK, active_teams=True)
            .where(condition)
            .options(
                selectinload(store.AssignmentRow.person),
                selectinload(store.AssignmentRow.team)
                .selectinload(store.TeamRow.memberships)
                .selectinload(store.MembershipRow.person),
            )
        )
    )


def _org(
    org_row: store.OrgRow,
    rows: Iterable[store.AssignmentRow],
    extra_people: Iterable[store.PersonRow] = (),
    extra_teams: Iterable[store.TeamRow] = (),
) -> model.Org:
    """Build just enough of the org to render a feed: the people and teams on its shifts."""
    rows = list(rows)
    covers = [o.cover for r in rows for o in r.overrides]
    people = {p.id: p for p in [*extra_people, *(r.person for r in rows), *covers]}
    teams = {t.id: t for t in [*extra_teams, *(r.team for r in rows)]}
    return model.Org(
        name=org_row.name,
        timezone=org_row.timezone,
        people=tuple(store.person_from_row(p) for p in people.values()),
        teams=tuple(store.team_from_row(t) for t in teams.values()),
    )


def _render_with_revisions(
    session: Session, org_id: int, render: Render, now: datetime, writer: Writer | None
) -> bytes:
    """Render once to fingerprint every event, bring its revision up to date, render for real."""
    draft = render(None)
    prints = fingerprints(draft)
    keys = {_key(org_id, uid): uid for uid in prints}
    rows = _read(session, keys)
    if all(k in rows and revise(_known(rows[k]), prints[u], now) == _known(rows[k]).revision
           for k, u in keys.items()):  # fmt: skip
        revisions = {keys[k]: _known(row).revision for k, row in rows.items()}
    elif writer is None:
        revisions = _revisions(session, org_id, prints, now)
    else:
        with writer() as target:
            revisions = _revisions(target, org_id, prints, now)
            target.commit()
    return feed_bytes(render(revisions))


def _revisions(
    session: Session, org_id: int, prints: Mapping[str, str], now: datetime
) -> dict[str, EventRevision]:
    """Return each event's revision, recording first sightings and changes of content.

    Safe when two requests render the same feed at once: new rows go in with
    insert-or-ignore, and a change is a compare-and-set on the old fingerprint, so the loser
    of a race just reads what the winner wrote.
    """
    keys = {_key(org_id, uid): uid for uid in prints}
    rows = _read(session, keys)
    missing = sorted(k for k in keys if k not in rows)
    if missing:
        _insert_missing(session, [(k, prints[keys[k]]) for k in missing], now)
    changed = []
    for key, row in sorted(rows.items()):
        print_, known = prints[keys[key]], _known(row)
        revision = revise(known, print_, now)
        if revision == known.revision:
            continue  # the same content: the same revision
        changed.append(key)
        session.execute(
            update(store.EventRevisionRow)
            .where(
                store.EventRevisionRow.uid == key,
                store.EventRevisionRow.fingerprint == row.fingerprint,
                store.EventRevisionRow.sequence == row.sequence,
            )
            .values(fingerprint=print_, sequence=revision.sequence, modified=revision.modified)
            .execution_options(synchronize_session=False)
        )
    if missing or changed:
        session.expire_all()
        rows = _read(session, keys)
    return {
        keys[k]: EventRevision(sequence=row.sequence, modified=row.modified)
        for k, row in rows.items()
    }


def _known(row: store.EventRevisionRow) -> KnownEvent:
    """Return what a revision row says the event said, and its revision then."""
    return KnownEvent(row.fingerprint, EventRevision(sequence=row.sequence, modified=row.modified))


def _read(session: Session, keys: Iterable[str]) -> dict[str, store.EventRevisionRow]:
    found = session.scalars(
        select(store.EventRevisionRow).where(store.EventRevisionRow.uid.in_(list(keys)))
    )
    return {row.uid: row for row in found}


def _insert_missing(session: Session, entries: list[tuple[str, str]], now: datetime) -> None:
    """Insert first sightings at sequence 0, ignoring any another request inserted first."""
    values = []
    for key, print_ in entries:
        first = revise(None, print_, now)
        row = {"uid": key, "fingerprint": print_}
        values.append(row | {"sequence": first.sequence, "modified": first.modified})
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        session.execute(insert(store.EventRevisionRow).values(values).on_conflict_do_nothing())
        return
    for value in values:  # other databases: one savepoint per row, a duplicate is a no-op
        try:
            with session.begin_nested():
                session.add(store.EventRevisionRow(**value))
        except IntegrityError:
            pass


def _key(org_id: int, uid: str) -> str:
    """Key a revision by org as well: two orgs may use the same team and person ids."""
    return f"{org_id}/{uid}"
