"""Read an org file (YAML, docs/org-file.md) into an `Org`, with errors that name key path and line.

Values are read as the text that was written (see `orgyaml`) and converted here. Defaults:
people and teams take the org `timezone`; `fte` 1.0; `weights` 2/3/4; `role_weights` 2/1/0;
`fairness.lookback_weeks` 26; `rotation.roles` [primary, secondary]; `min_roster` 1; `min_rest`
0. `handoff` may be left out only when `slots` are given (slots replace the one shift by daily
windows); it then defaults to "09:00" (daily) or "mon 09:00" (weekly). Leave and avoid dates are
whole days in the person's zone, the end date included; times without an offset are
person-local (leave, avoid) or team-local (history).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from scheduler.domain import orgvalues as read
from scheduler.domain.model import (
    ROLES,
    ROTATION_ROLES,
    Assignment,
    AvoidRequest,
    Leave,
    Org,
    Person,
    RoleWeights,
    Rotation,
    Shift,
    Slot,
    Team,
    Trainee,
    Weights,
)
from scheduler.domain.orgyaml import OrgFileError, Value, compose, hint

__all__ = ["OrgFileError", "load_org", "parse_org"]

T = TypeVar("T")
Entity = TypeVar("Entity", Person, Team)

# The keys of each section, required then optional: they drive validation and the messages.
KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "org": (
        ("org", "timezone", "people", "teams"),
        ("holidays", "extra_holidays", "weights", "role_weights", "fairness")
        + ("leave", "avoid", "history"),
    ),
    "weights": ((), ("weekday", "weekend", "holiday")),
    "role_weights": ((), ROLES),
    "fairness": ((), ("lookback_weeks",)),
    "person": (("id", "name"), ("email", "timezone", "site", "fte", "joined", "trainee")),
    "trainee": ((), ("shadows", "secondaries")),
    "team": (
        ("id", "name", "members", "rotation"),
        (
            "timezone",
            "holidays",
            "services",
            "runbook",
            "swaps_need_approval",
            "fairness_guard",
            "webhook_url",
        ),
    ),
    "rotation": (("shift",), ("handoff", "roles", "min_roster", "min_rest", "slots")),
    "slot": (("start", "end"), ("site",)),
    "leave": (("person", "start", "end"), ()),
    "history": (("team", "role", "person", "start", "end"), ()),
}


def load_org(path: str | Path) -> Org:
    """Read and parse the org file at `path`; errors name the path as given."""
    filename = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise OrgFileError(filename, "", None, f"not UTF-8 text (byte {err.start})") from err
    except OSError as err:
        raise OrgFileError(filename, "", None, f"cannot read the file: {err.strerror}") from err
    return parse_org(text, filename)


def parse_org(text: str, filename: str) -> Org:
    """Parse the text of an org file; `filename` labels the errors."""
    root = compose(text, filename).fields(*KEYS["org"])
    zone = read.zone(root["timezone"])
    people = _unique(root["people"], lambda v: _person(v, zone), "person")
    teams = _unique(root["teams"], lambda v: _team(v, zone, people), "team")
    return Org(
        name=root["org"].text(),
        timezone=zone,
        people=tuple(people.values()),
        teams=tuple(teams.values()),
        holidays=_entries(root, "holidays", read.country),
        extra_holidays=_entries(root, "extra_holidays", read.day),
        weights=_opt(root, "weights", lambda v: Weights(**_ints(v, "weights", 1, 1000)), Weights()),
        role_weights=_opt(root, "role_weights", _role_weights, RoleWeights()),
        lookback_weeks=_opt(root, "fairness", _lookback, 26),
        leave=_entries(root, "leave", lambda v: Leave(*_away(v, people))),
        avoid=_entries(root, "avoid", lambda v: AvoidRequest(*_away(v, people))),
        history=_history(root, teams, people),
    )


def _opt(fields: dict[str, Value], key: str, parse: Callable[[Value], T], default: T) -> T:
    return parse(fields[key]) if key in fields else default


def _each(value: Value, parse: Callable[[Value], T]) -> tuple[T, ...]:
    return tuple(parse(item) for item in value.items())


def _entries(fields: dict[str, Value], key: str, parse: Callable[[Value], T]) -> tuple[T, ...]:
    """Parse an optional list that may be empty."""
    items = fields[key].items(allow_empty=True) if key in fields else []
    return tuple(parse(item) for item in items)


def _unique(value: Value, parse: Callable[[Value], Entity], kind: str) -> dict[str, Entity]:
    """Parse the list of people or teams by id, failing on an id used twice."""
    parsed: dict[str, Entity] = {}
    first: dict[str, str] = {}
    for item in value.items():
        entry = parse(item)
        if entry.id in first:
            where = item.fields(*KEYS[kind])["id"]
            where.fail(f'duplicate {kind} id "{entry.id}" (first at {first[entry.id]})')
        first[entry.id] = item.path
        parsed[entry.id] = entry
    return parsed


def _person(value: Value, org_zone: str) -> Person:
    f = value.fields(*KEYS["person"])
    return Person(
        id=read.ident(f["id"]),
        name=f["name"].text(),
        timezone=_opt(f, "timezone", read.zone, org_zone),
        email=_opt(f, "email", read.email, None),
        site=_opt(f, "site", Value.text, None),
        fte=_opt(f, "fte", read.fte, 1.0),
        joined=_opt(f, "joined", read.day, None),
        trainee=_opt(f, "trainee", lambda v: Trainee(**_ints(v, "trainee", 0, 100)), None),
    )


def _team(value: Value, org_zone: str, people: dict[str, Person]) -> Team:
    f = value.fields(*KEYS["team"])
    members = _members(f["members"], people)
    sites = {people[m].site for m in members if people[m].site}
    return Team(
        id=read.ident(f["id"]),
        name=f["name"].text(),
        timezone=_opt(f, "timezone", read.zone, org_zone),
        members=members,
        rotation=_rotation(f["rotation"], sites),
        holidays=_opt(f, "holidays", lambda v: _each(v, read.country), ()),
        services=_opt(f, "services", lambda v: _each(v, Value.text), ()),
        runbook=_opt(f, "runbook", lambda v: v.text(longest=2000), None),
        swaps_need_approval=_opt(f, "swaps_need_approval", read.flag, False),
        webhook_url=_opt(f, "webhook_url", read.web_url, None),
        fairness_guard=_opt(f, "fairness_guard", read.flag, True),
    )


def _members(value: Value, people: dict[str, Person]) -> tuple[str, ...]:
    first: dict[str, str] = {}
    for item in value.items():
        person = _person_id(item, people)
        if person in first:
            item.fail(f'"{person}" is listed twice (first at {first[person]})')
        first[person] = item.path
    return tuple(first)


def _rotation(value: Value, sites: set[str]) -> Rotation:
    f = value.fields(*KEYS["rotation"])
    shift = read.choice(f["shift"], ("weekly", "daily"))
    slots = _opt(f, "slots", lambda v: _each(v, lambda s: _slot(s, sites)), ())
    if "handoff" in f:
        weekday, handoff = read.handoff(f["handoff"], shift)
    elif slots:
        weekday, handoff = 0, time(9, 0)
    else:
        value.at("handoff").fail("required key is missing (it may be left out only with slots)")
    return Rotation(
        shift=shift,
        handoff=handoff,
        handoff_weekday=weekday,
        roles=_opt(f, "roles", _roles, ROTATION_ROLES),
        min_roster=_opt(f, "min_roster", lambda v: read.whole(v, 1, 1000), 1),
        min_rest=_opt(f, "min_rest", read.rest, timedelta(0)),
        slots=slots,
    )


def _slot(value: Value, sites: set[str]) -> Slot:
    f = value.fields(*KEYS["slot"])
    site = _opt(f, "site", Value.text, None)
    if site is not None and site not in sites:
        f["site"].fail(f'no member of this team has site "{site}"{hint(site, sites)}')
    return Slot(start=read.clock(f["start"]), end=read.clock(f["end"]), site=site)


def _roles(value: Value) -> tuple[str, ...]:
    roles: list[str] = []
    for item in value.items():
        role = read.choice(item, ROTATION_ROLES)
        if role in roles:
            item.fail(f'role "{role}" is listed twice')
        roles.append(role)
    if "primary" not in roles:
        value.fail("roles must include primary: [primary] or [primary, secondary]")
    return tuple(r for r in ROTATION_ROLES if r in roles)


def _away(value: Value, people: dict[str, Person]) -> tuple[str, datetime, datetime]:
    """Return person, start and end (UTC) of a leave or avoid entry."""
    f = value.fields(*KEYS["leave"])
    person = _person_id(f["person"], people)
    zone = people[person].timezone
    start, end = read.instant(f["start"], zone, False), read.instant(f["end"], zone, True)
    if end <= start:
        f["end"].fail(f"ends before it starts ({f['start'].text()} .. {f['end'].text()})")
    return person, start, end


def _history(
    fields: dict[str, Value], teams: dict[str, Team], people: dict[str, Person]
) -> tuple[Assignment, ...]:
    """Parse the history; a person in two roles of one past shift fails at the second entry
    (docs/rules.md#2-overlap: nobody is on call twice at once)."""
    items = fields["history"].items(allow_empty=True) if "history" in fields else []
    first: dict[tuple[str, datetime, str], str] = {}
    parsed = []
    for item in items:
        past = _past(item, teams, people)
        key = (past.shift.team, past.shift.start, past.person)
        if key in first:
            item.fields(*KEYS["history"])["person"].fail(
                f'"{past.person}" already holds a role of this shift (at {first[key]}): one '
                "person holds one role of a shift"
            )
        first[key] = item.path
        parsed.append(past)
    return tuple(parsed)


def _past(value: Value, teams: dict[str, Team], people: dict[str, Person]) -> Assignment:
    """Return a history entry as an assignment on a past shift."""
    f = value.fields(*KEYS["history"])
    team = teams.get(team_id := f["team"].text())
    if team is None:
        f["team"].fail(f'unknown team "{team_id}"; not listed under teams{hint(team_id, teams)}')
    role = read.choice(f["role"], ROLES)
    person = _person_id(f["person"], people)
    start = read.instant(f["start"], team.timezone, False, dates=False)
    end = read.instant(f["end"], team.timezone, True, dates=False)
    if end <= start:
        f["end"].fail(f"ends before it starts ({f['start'].text()} .. {f['end'].text()})")
    shift = Shift(start=start, team=team.id, end=end, site=_slot_site(team, start))
    return Assignment(shift=shift, role=role, person=person)


def _slot_site(team: Team, start: datetime) -> str | None:
    """Return the site of the follow-the-sun slot starting at `start`, if any."""
    local = start.astimezone(ZoneInfo(team.timezone)).time()
    return next((s.site for s in team.rotation.slots if s.start == local), None)


def _person_id(value: Value, people: dict[str, Person]) -> str:
    person = value.text()
    if person not in people:
        value.fail(f'unknown person "{person}"; not listed under people{hint(person, people)}')
    return person


def _ints(value: Value, section: str, minimum: int, maximum: int) -> dict[str, int]:
    """Return the whole numbers of a section by key, each within `[minimum, maximum]`."""
    return {key: read.whole(v, minimum, maximum) for key, v in value.fields(*KEYS[section]).items()}


def _role_weights(value: Value) -> RoleWeights:
    return RoleWeights(**_ints(value, "role_weights", 0, 100))


def _lookback(value: Value) -> int:
    return _ints(value, "fairness", 0, 520).get("lookback_weeks", 26)
