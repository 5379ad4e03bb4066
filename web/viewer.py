"""Who is looking, and when: the signed-in user's person, org, time zone and the app's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, g

from scheduler.services import accounts, queries
from scheduler.store import OrgRow, PersonRow, TeamRow
from web.db import get_session


def now() -> datetime:
    """Return the current time from the app's clock (tests freeze it with config CLOCK)."""
    return current_app.config["CLOCK"]()


def actor() -> str:
    """Name the signed-in user in the audit log."""
    return g.user.username


def person() -> PersonRow | None:
    """Return the signed-in user's person, None for anonymous users and users off rotation."""
    user = g.get("user")
    return user.person if user is not None else None


def person_id() -> int | None:
    """Return the id of the signed-in user's person, or None (see `person`)."""
    user = g.get("user")
    return user.person_id if user is not None else None


def org() -> OrgRow | None:
    """Return the viewer's org: their person's, else the first org of a team they manage (the
    first imported, for an admin); None for a user who belongs to no org.

    Every page and API answer reads this org only, so nobody sees another org's data.
    """
    if "org" not in g:
        mine = queries.orgs_of(get_session(), g.get("user"))
        g.org = mine[0] if mine else None
    return g.org


def zone() -> ZoneInfo:
    """Return the viewer's time zone: their own setting, their person's, the org's, or UTC."""
    user, me, home = g.get("user"), person(), org()
    name = (
        (user.timezone if user is not None else None)
        or (me.timezone if me is not None else None)
        or (home.timezone if home is not None else None)
        or "UTC"
    )
    return ZoneInfo(name)


def local(moment: datetime | None, fmt: str = "%a %d %b %Y %H:%M", where: str | None = None) -> str:
    """Format an aware datetime in the viewer's time zone (or the zone named `where`)."""
    if moment is None:
        return ""
    return moment.astimezone(ZoneInfo(where) if where else zone()).strftime(fmt)


def local_end(moment: datetime | None, fmt: str = "%a %d %b %Y", where: str | None = None) -> str:
    """Format the end of a `[start, end)` span as its last day (an end at midnight is exclusive)."""
    return local(moment - timedelta(microseconds=1), fmt, where) if moment is not None else ""


def person_name(person_id: int | None) -> str:
    """Return the name of a person by id (rows that hold only the id, like swaps)."""
    row = get_session().get(PersonRow, person_id) if person_id is not None else None
    return row.name if row is not None else ""


def teams() -> list[TeamRow]:
    """Return the active teams of the viewer's org."""
    home = org()
    return [t for t in home.teams if t.active] if home is not None else []


def my_team_ids() -> set[int]:
    """Return the ids of the teams the viewer's person belongs to."""
    me = person()
    if me is None:
        return set()
    return {t.id for t in teams() if any(m.person_id == me.id for m in t.memberships)}


def team_by_key(key: str) -> TeamRow | None:
    """Return the viewer's org's active team with this key, or None."""
    return next((t for t in teams() if t.key == key), None)


def utcnow() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


def people_in_reach() -> dict[int, PersonRow]:
    """Return the people whose leave the viewer may see and enter: themselves and the members
    of teams they manage (every team, for an admin)."""
    user = g.get("user")
    people: dict[int, PersonRow] = {}
    me = person()
    if me is not None:
        people[me.id] = me
    for team in teams():
        if user is not None and (user.is_admin or accounts.manages(user, team.id)):
            people.update({m.person_id: m.person for m in team.memberships if m.person.active})
    return people
