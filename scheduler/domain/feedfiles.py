"""Feed files: `rota plan --out DIR` writes DIR/feeds/*.ics (docs/feeds.md#feed-files-across-runs).

Each file is revised against the one already there, by the same fingerprint and rule as the
feeds served from the database (`feeds.revise`): an event that says the same keeps its
SEQUENCE, LAST-MODIFIED and DTSTAMP, so re-running an unchanged plan rewrites identical bytes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from icalendar import Calendar

from scheduler.domain.feeds import (
    EventRevision,
    KnownEvent,
    feed_bytes,
    fingerprint,
    fingerprints,
    person_feed,
    revise,
    team_feed,
)
from scheduler.domain.model import Assignment, Org, Plan, Shift

_FILE_ID = re.compile(r"[A-Za-z0-9_-]+")

Render = Callable[[Mapping[str, EventRevision] | None], Calendar]


def feed_files(org: Org) -> dict[str, tuple[str, str]]:
    """Name the feed file of every rotation member and every team.

    Returns {file name: ("person" or "team", id)}: `<person>.ics`, then `team-<team>.ics`, in
    the org's order. Raises ValueError for an id that cannot name a file, or for a person and a
    team that would write one file name (a person with the id `team-x` and a team `x`).
    """
    files: dict[str, tuple[str, str]] = {}
    wanted = [("person", p) for p in org.rotation_members] + [("team", t.id) for t in org.teams]
    for kind, identifier in wanted:
        if not _FILE_ID.fullmatch(identifier):
            raise ValueError(f"cannot name a feed file after the {kind} id {identifier!r}")
        filename = f"{identifier}.ics" if kind == "person" else f"team-{identifier}.ics"
        if filename in files:
            first_kind, first_id = files[filename]
            raise ValueError(
                f'{first_kind} "{first_id}" and {kind} "{identifier}" would both write the feed '
                f"file {filename}: rename one of them"
            )
        files[filename] = (kind, identifier)
    return files


def write_feeds(
    org: Org,
    plan: Plan,
    directory: Path | str,
    now: datetime,
    warn: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write the feed files of a plan into `directory`, revised against the files there.

    Files are named by `feed_files`; each replaces the old one atomically. An event unchanged
    since the previous file keeps its revision; a changed one gets SEQUENCE + 1 and
    LAST-MODIFIED = `now` (aware); a new one starts at 0. A previous file that cannot be read
    is ignored (its events start again at 0) after `warn` is called with a sentence naming it;
    without `warn` that raises ValueError. Raises ValueError for file names as `feed_files`
    does, before writing anything. Returns the paths written, in `feed_files` order.
    """
    directory = Path(directory)
    contents: dict[Path, bytes] = {}
    shown = _shown_by_feed(plan)
    for filename, (kind, identifier) in feed_files(org).items():
        path = directory / filename
        known = _previous_events(path, warn)
        assignments = shown.get((kind, identifier), ())
        render = _renderer(org, assignments, kind, identifier, now)
        contents[path] = _revised_bytes(render, known, now)
    directory.mkdir(parents=True, exist_ok=True)
    for path, content in contents.items():
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(content)
        os.replace(temporary, path)  # a reader (or the next run) never sees half a file
    return list(contents)


def known_events(data: bytes) -> dict[str, KnownEvent]:
    """Read a feed's events back: {UID: what the event said (fingerprint) and its revision}.

    Raises ValueError when `data` is not one well-formed VCALENDAR whose every VEVENT has a
    UID (once), a SEQUENCE of 0 or more and a LAST-MODIFIED with a time zone.
    """
    cal = Calendar.from_ical(data)  # ValueError for anything but exactly one component
    if cal.name != "VCALENDAR" or cal.errors:
        raise ValueError(f"not an iCalendar feed ({cal.name} {cal.errors or ''})".strip())
    known: dict[str, KnownEvent] = {}
    for event in cal.walk("VEVENT"):
        uid = str(event.get("UID", ""))
        if event.errors or not uid or uid in known:
            raise ValueError(f"a broken event {uid or '(no UID)'}: {event.errors or 'repeated'}")
        sequence = event.get("SEQUENCE")
        modified = event.get("LAST-MODIFIED")
        modified = getattr(modified, "dt", None)
        if not isinstance(sequence, int) or sequence < 0:
            raise ValueError(f"event {uid} has no SEQUENCE of 0 or more")
        if not isinstance(modified, datetime) or modified.utcoffset() is None:
            raise ValueError(f"event {uid} has no LAST-MODIFIED with a time zone")
        known[uid] = KnownEvent(fingerprint(event), EventRevision(int(sequence), modified))
    return known


def _shown_by_feed(plan: Plan) -> dict[tuple[str, str], tuple[Assignment, ...]]:
    """Index a plan by feed: {("person", id): every assignment on the shifts they hold (their
    own and their crews', which the events name), ("team", id): the team's assignments}.

    A feed built from its part of the plan is the one built from the whole plan; indexing
    once keeps writing the feeds of 1,200 people linear in the plan, not quadratic.
    """
    crews: dict[Shift, list[Assignment]] = {}
    for a in plan.assignments:
        crews.setdefault(a.shift, []).append(a)
    shown: dict[tuple[str, str], list[Assignment]] = {}
    for shift, crew in crews.items():
        shown.setdefault(("team", shift.team), []).extend(crew)
        for person in dict.fromkeys(a.person for a in crew):
            shown.setdefault(("person", person), []).extend(crew)
    return {feed: tuple(assignments) for feed, assignments in shown.items()}


def _renderer(
    org: Org, assignments: tuple[Assignment, ...], kind: str, identifier: str, now: datetime
) -> Render:
    """Return the function that renders one person's or team's feed with given revisions."""
    build = person_feed if kind == "person" else team_feed
    return lambda revisions: build(org, assignments, identifier, now, revisions)


def _revised_bytes(render: Render, known: Mapping[str, KnownEvent], now: datetime) -> bytes:
    """Render once to fingerprint every event, revise each against `known`, render for real.

    When every event is new (a first run), the first rendering already carries the revision
    each gets (SEQUENCE 0, modified `now`) and is the one written: half the work.
    """
    first = render(None)
    revisions = {uid: revise(known.get(uid), p, now) for uid, p in fingerprints(first).items()}
    if all(r == EventRevision(sequence=0, modified=now) for r in revisions.values()):
        return feed_bytes(first)
    return feed_bytes(render(revisions))


def _previous_events(path: Path, warn: Callable[[str], None] | None) -> dict[str, KnownEvent]:
    """Read the events of the feed file at `path`, if any; see `write_feeds` for errors."""
    try:
        return known_events(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:
        message = f"{path}: cannot read the previous feed ({err}); its events restart at SEQUENCE 0"
        if warn is None:
            raise ValueError(message) from None
        warn(message)
        return {}
