"""Builders of small orgs straight from the model dataclasses, shared by the test modules."""

from __future__ import annotations

from datetime import time, timedelta

from scheduler.domain.model import Org, Person, Rotation, Team, Trainee
from scheduler.solve import SolveOptions

# One worker and a fixed seed keep solver tests reproducible; small problems solve in well
# under a second, the limit only guards against a hang.
FAST = SolveOptions(time_limit=10, num_workers=1, seed=1)


def make_person(pid: str, timezone: str = "UTC", **fields) -> Person:
    """Build a person named after their id ("alice" -> "Alice")."""
    return Person(id=pid, name=fields.pop("name", pid.title()), timezone=timezone, **fields)


def make_team(
    tid: str,
    members: tuple[str, ...] | list[str],
    timezone: str = "UTC",
    *,
    shift: str = "weekly",
    handoff: time = time(9, 0),
    weekday: int = 0,
    roles: tuple[str, ...] = ("primary",),
    min_roster: int = 1,
    min_rest: timedelta = timedelta(0),
    slots: tuple = (),
    **fields,
) -> Team:
    """Build a team whose rotation defaults to weekly, primary only, Monday 09:00."""
    rotation = Rotation(
        shift=shift,
        handoff=handoff,
        handoff_weekday=weekday,
        roles=roles,
        min_roster=min_roster,
        min_rest=min_rest,
        slots=slots,
    )
    return Team(
        id=tid,
        name=fields.pop("name", tid.title()),
        timezone=timezone,
        members=tuple(members),
        rotation=rotation,
        **fields,
    )


def build_small_team_org(
    people: int | list[str] = 4,
    timezone: str = "UTC",
    *,
    trainees: dict[str, Trainee] | None = None,
    fte: dict[str, float] | None = None,
    team_fields: dict | None = None,
    **org_fields,
) -> Org:
    """Build an org with one team of `people` (a count or ids); keyword arguments go to Org.

    `team_fields` go to `make_team` (shift, roles, min_rest, ...).
    """
    ids = [f"p{i}" for i in range(people)] if isinstance(people, int) else list(people)
    trainees, fte = trainees or {}, fte or {}
    persons = tuple(
        make_person(pid, timezone, trainee=trainees.get(pid), fte=fte.get(pid, 1.0)) for pid in ids
    )
    team = make_team("ops", ids, timezone, **(team_fields or {}))
    base = {"name": "Test Org", "timezone": timezone, "people": persons, "teams": (team,)}
    return Org(**{**base, **org_fields})
