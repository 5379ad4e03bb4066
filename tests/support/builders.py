"""Builders of small orgs, from the model dataclasses or the sample org file, for every suite."""

from __future__ import annotations

import dataclasses
from datetime import time, timedelta
from pathlib import Path

from scheduler.domain.model import Org, Person, Rotation, Team, Trainee
from scheduler.domain.orgfile import parse_org
from scheduler.solve import SolveOptions

# One worker and a fixed seed keep solver tests reproducible; small problems solve in well
# under a second, the limit only guards against a hang.
FAST = SolveOptions(time_limit=10, num_workers=1, seed=1)
DATA = Path(__file__).resolve().parents[2] / "data"
TEAM_FILE = DATA / "team.yaml"
TEAM_TEXT = TEAM_FILE.read_text(encoding="utf-8")
EVIL = "<script>alert(1)</script>"


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


def team_org(*replacements: tuple[str, str], extra: str = "") -> Org:
    """Parse data/team.yaml with each (old, new) text replaced once and `extra` appended."""
    text = TEAM_TEXT
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    return parse_org(text + extra, "team.yaml")


def swap_org(guard: bool = False) -> Org:
    """Build Ops (primary, secondary, a week's rest, trainee Tia) and DB (primary; Ana too).

    Four weeks without history make any extra shift a big share of someone's load, so the
    fairness guard is off unless `guard` (its own tests turn it on).
    """
    ops = ("ana", "ben", "cat", "dan", "eve", "fay", "gus", "tia")
    db = ("olga", "pia", "quinn", "ana")  # Ana is on both rotations
    people = tuple(
        make_person(p, trainee=Trainee(shadows=1, secondaries=1) if p == "tia" else None)
        for p in dict.fromkeys(ops + db)
    )
    teams = (
        make_team(
            "ops",
            ops,
            roles=("primary", "secondary"),
            min_roster=4,
            min_rest=timedelta(days=7),
            fairness_guard=guard,
        ),
        make_team("db", db, name="DB", roles=("primary",), min_roster=2, fairness_guard=guard),
    )
    return Org(name="Swap Test Org", timezone="UTC", people=people, teams=teams)


def web_org() -> Org:
    """Build Ops (five, one named like a script tag) and DB (three), weekly primaries.

    Names, a team name and a runbook link that are markup or script prove that pages escape them.
    """
    ops = ("ana", "ben", "cat", "dan", "evil")
    db = ("olga", "pia", "quinn")
    people = tuple(
        make_person(p, name=EVIL if p == "evil" else p.title(), timezone="Europe/Berlin")
        for p in ops + db
    )
    teams = (
        make_team("ops", ops, name="Ops <i>core</i>", runbook="javascript:alert(2)"),
        make_team("db", db, name="DB"),
    )
    return Org(name="Web Test Org", timezone="UTC", people=people, teams=teams)


def without(org: Org, *gone: str) -> Org:
    """Return the org with these people removed from it, its teams, leave and history."""
    return dataclasses.replace(
        org,
        people=tuple(p for p in org.people if p.id not in gone),
        teams=tuple(
            dataclasses.replace(t, members=tuple(m for m in t.members if m not in gone))
            for t in org.teams
        ),
        leave=tuple(x for x in org.leave if x.person not in gone),
        avoid=tuple(x for x in org.avoid if x.person not in gone),
        history=tuple(x for x in org.history if x.person not in gone),
    )
