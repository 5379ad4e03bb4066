"""Synthetic orgs for the benchmark, built straight from the domain model (no YAML).

Every generator is seeded, so a case is the same org on every run and every machine. History is
generated for the whole lookback by a greedy, slightly unfair rotation (a few people carried more
than their share, as in real teams), so the fairness objective has something to correct.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from scheduler.domain.model import (
    Assignment,
    AvoidRequest,
    Horizon,
    Leave,
    Org,
    Person,
    Rotation,
    Team,
)
from scheduler.domain.points import DayCalendar
from scheduler.domain.shifts import local_midnight, team_shifts

START = date(2027, 1, 4)  # a Monday; the quarter holds Good Friday and Easter Monday
LOOKBACK_WEEKS = 13

# (timezone, holiday country): "a few time zones"
ZONES = (
    ("Europe/Berlin", "DE"),
    ("America/New_York", "US"),
    ("Asia/Kolkata", "IN"),
    ("America/Los_Angeles", "US"),
    ("Europe/London", "GB"),
)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class TeamSpec:
    id: str
    members: tuple[str, ...]
    shift: str  # weekly | daily
    timezone: str
    country: str
    roles: tuple[str, ...] = ("primary", "secondary")
    min_roster: int = 1
    min_rest: timedelta = timedelta(0)
    handoff: time = time(10, 0)
    handoff_weekday: int = 0


def _team(spec: TeamSpec) -> Team:
    return Team(
        id=spec.id,
        name=spec.id.replace("-", " ").title(),
        timezone=spec.timezone,
        members=spec.members,
        holidays=(spec.country,),
        rotation=Rotation(
            shift=spec.shift,
            handoff=spec.handoff,
            handoff_weekday=spec.handoff_weekday,
            roles=spec.roles,
            min_roster=spec.min_roster,
            min_rest=spec.min_rest,
        ),
    )


def _days_off(person: Person, first: date, days: int) -> Leave:
    """Whole local days `[first, first + days)` in the person's zone, as UTC."""
    return Leave(
        person=person.id,
        start=local_midnight(first, person.timezone),
        end=local_midnight(first + timedelta(days=days), person.timezone),
    )


def _random_leave(
    rng: random.Random,
    people: list[Person],
    home: dict[str, str],
    start: date,
    weeks: int,
    share: float,
    max_away: dict[str, int],
) -> list[Leave]:
    """Give about `share` of people a block of 3-14 days, inside the lookback or the horizon.

    At most `max_away[team]` members of one team (the first that lists them) are away on any
    day, so the org stays plannable (the benchmark measures the optimiser, not explanations).
    """
    first_day = start - timedelta(weeks=LOOKBACK_WEEKS)
    span = (start - first_day).days + 7 * weeks
    away: dict[tuple[str, date], int] = {}
    leave = []
    for person in people:
        if rng.random() >= share:
            continue
        for _attempt in range(20):
            length = rng.choice((3, 5, 7, 7, 10, 14))
            begin = first_day + timedelta(days=rng.randrange(span - length))
            days = [begin + timedelta(days=d) for d in range(length)]
            team = home[person.id]
            if all(away.get((team, d), 0) < max_away[team] for d in days):
                for d in days:
                    away[(team, d)] = away.get((team, d), 0) + 1
                leave.append(_days_off(person, begin, length))
                break
    return leave


def _history(
    rng: random.Random,
    teams: list[Team],
    people: dict[str, Person],
    leave: list[Leave],
    start: date,
    calendar_org: Org,
    heavy: set[str],
) -> list[Assignment]:
    """Fill the lookback greedily: least-loaded free member first, `heavy` people favoured."""
    lookback = Horizon(start=start - timedelta(weeks=LOOKBACK_WEEKS), weeks=LOOKBACK_WEEKS)
    calendar = DayCalendar(calendar_org)
    shifts = sorted(s for team in teams for s in team_shifts(team, lookback))
    by_id = {t.id: t for t in teams}
    rest_of = {p: timedelta(0) for p in people}
    for team in teams:
        for m in team.members:
            rest_of[m] = max(rest_of[m], team.rotation.min_rest)
    leave_of: dict[str, list[Leave]] = {}
    for lv in leave:
        leave_of.setdefault(lv.person, []).append(lv)
    free_from = dict.fromkeys(people, datetime.min.replace(tzinfo=shifts[0].start.tzinfo))
    load = dict.fromkeys(people, 0.0)
    history = []
    for shift in shifts:
        team = by_id[shift.team]
        taken: set[str] = set()
        for role in team.rotation.roles:
            free = [
                m
                for m in team.members
                if m not in taken
                and free_from[m] <= shift.start
                and not any(shift.overlaps(lv.start, lv.end) for lv in leave_of.get(m, []))
            ]
            if not free:
                continue  # an uncovered past shift: history is what happened
            rng.shuffle(free)
            who = min(free, key=lambda m: load[m] * (0.6 if m in heavy else 1.0))
            taken.add(who)
            points = calendar.points(shift.team, role, shift.start, shift.end)
            load[who] += points / people[who].fte
            free_from[who] = shift.end + rest_of[who]
            history.append(Assignment(shift=shift, role=role, person=who))
    return history


def _org(
    name: str,
    zone: str,
    country: str,
    people: list[Person],
    specs: list[TeamSpec],
    rng: random.Random,
    leave_share: float,
    max_away: dict[str, int],
    weeks: int,
    heavy: int,
    avoid: int,
) -> Org:
    teams = [_team(s) for s in specs]
    home = {}
    for spec in specs:
        for m in spec.members:
            home.setdefault(m, spec.id)
    leave = _random_leave(rng, people, home, START, weeks, leave_share, max_away)
    base = Org(name=name, timezone=zone, people=tuple(people), teams=tuple(teams))
    heavy_people = set(rng.sample([p.id for p in people], heavy))
    by_id = {p.id: p for p in people}
    history = _history(rng, teams, by_id, leave, START, base, heavy_people)
    requests = []
    for person in rng.sample(people, avoid):
        day = START + timedelta(days=rng.randrange(7 * weeks))
        lv = _days_off(person, day, 1)
        requests.append(AvoidRequest(person=lv.person, start=lv.start, end=lv.end))
    return Org(
        name=name,
        timezone=zone,
        people=tuple(people),
        teams=tuple(teams),
        holidays=(country,),
        lookback_weeks=LOOKBACK_WEEKS,
        leave=tuple(leave),
        avoid=tuple(requests),
        history=tuple(history),
    )


def single_team(
    size: int,
    shift: str,
    min_rest: timedelta,
    min_roster: int,
    zone: str,
    country: str,
    seed: int,
    weeks: int = 13,
    leave_share: float = 0.25,
) -> Org:
    """One rotation of `size` people with a little leave and a quarter of history."""
    rng = random.Random(seed)
    people = [Person(id=f"p{i:02d}", name=f"Person {i:02d}", timezone=zone) for i in range(size)]
    spec = TeamSpec(
        id="team",
        members=tuple(p.id for p in people),
        shift=shift,
        timezone=zone,
        country=country,
        min_roster=min_roster,
        min_rest=min_rest,
        handoff=time(10, 0) if shift == "weekly" else time(9, 0),
    )
    away = {"team": 1 if shift == "weekly" else max(1, size // 6)}
    return _org(
        f"{size}-person {shift} team",
        zone,
        country,
        people,
        [spec],
        rng,
        leave_share,
        away,
        weeks,
        heavy=max(1, size // 8),
        avoid=1,
    )


def weekly_team_8(seed: int = 8) -> Org:
    """Case 1: one weekly team of 8 in Berlin, primary + secondary, 7-day rest, roster 6."""
    return single_team(8, "weekly", timedelta(days=7), 6, "Europe/Berlin", "DE", seed)


def daily_team_20(seed: int = 20) -> Org:
    """Case 2: one daily team of 20 in New York, primary + secondary, 2-day rest."""
    return single_team(20, "daily", timedelta(days=2), 14, "America/New_York", "US", seed)


def big_org(
    teams: int = 40,
    people: int = 300,
    shared: float = 0.10,
    daily_share: float = 0.30,
    per_department: int = 5,
    cross_department: int = 0,
    seed: int = 300,
    weeks: int = 13,
    incident_pool: int = 0,
) -> Org:
    """Case 5: `teams` rotations, `people` engineers, `shared` of them in two rotations.

    Teams form departments of `per_department` (one time zone each, zones cycling); a second
    rotation is taken inside one's department, except for `cross_department` people, whose
    second rotation is anywhere (they join departments into larger groups for the solver).
    Weekly teams: 6-8 home members, primary + secondary, 7-day rest. Daily teams: 9-11 home
    members (with 8 and one away, the 2-day rest of real hours cannot be kept across the
    23-hour shift of the spring DST change); two in three primary + secondary with a 2-day rest,
    the rest primary-only with a 1-day rest. A few part-timers and recent joiners; about a
    third of people take leave. With `incident_pool`, that many people drawn from the weekly
    teams also form a weekly incident-commander rotation (`ic`, primary + secondary, 7-day rest).
    """
    rng = random.Random(seed)
    n_daily = round(teams * daily_share)
    kinds = ["daily"] * n_daily + ["weekly"] * (teams - n_daily)
    rng.shuffle(kinds)
    low = {"weekly": 6, "daily": 9}
    high = {"weekly": 8, "daily": 11}
    sizes = [rng.randint(low[k], high[k]) for k in kinds]
    while sum(sizes) != people:
        i = rng.randrange(teams)
        step = 1 if sum(sizes) < people else -1
        if low[kinds[i]] <= sizes[i] + step <= high[kinds[i]] + 2:
            sizes[i] += step
    zones = [ZONES[(i // per_department) % len(ZONES)] for i in range(teams)]
    persons: list[Person] = []
    members: list[list[str]] = []
    for t, size in enumerate(sizes):
        zone = zones[t][0]
        ids = []
        for _ in range(size):
            n = len(persons)
            fte = rng.choice((0.5, 0.6, 0.8)) if rng.random() < 0.05 else 1.0
            joined = START - timedelta(weeks=rng.randint(2, 10)) if rng.random() < 0.04 else None
            persons.append(
                Person(
                    id=f"e{n:03d}", name=f"Engineer {n:03d}", timezone=zone, fte=fte, joined=joined
                )
            )
            ids.append(persons[-1].id)
        members.append(ids)
    twice = rng.sample(range(len(persons)), round(shared * len(persons)))
    home = {pid: t for t, ids in enumerate(members) for pid in ids}
    for n, k in enumerate(twice):
        pid = persons[k].id
        t = home[pid]
        if n < cross_department:
            choices = [u for u in range(teams) if u // per_department != t // per_department]
        else:
            dept = t - t % per_department
            choices = [u for u in range(dept, min(teams, dept + per_department)) if u != t]
        members[rng.choice(choices)].append(pid)
    specs = []
    for t, kind in enumerate(kinds):
        zone, country = zones[t]
        size = len(members[t])
        if kind == "weekly":
            specs.append(
                TeamSpec(
                    id=f"w{t:02d}",
                    members=tuple(members[t]),
                    shift="weekly",
                    timezone=zone,
                    country=country,
                    min_roster=max(3, size - 3),
                    min_rest=timedelta(days=7),
                    handoff=rng.choice((time(9, 0), time(10, 0), time(12, 0))),
                    handoff_weekday=rng.choice((0, 0, 1, 2)),
                )
            )
        else:
            two_roles = rng.random() < 2 / 3
            specs.append(
                TeamSpec(
                    id=f"d{t:02d}",
                    members=tuple(members[t]),
                    shift="daily",
                    timezone=zone,
                    country=country,
                    roles=("primary", "secondary") if two_roles else ("primary",),
                    min_roster=max(3, size - 4),
                    min_rest=timedelta(days=2 if two_roles else 1),
                    handoff=rng.choice((time(9, 0), time(9, 30))),
                )
            )
    if incident_pool:
        weekly = [m for spec in specs if spec.shift == "weekly" for m in spec.members]
        pool = rng.sample(sorted(set(weekly)), incident_pool)
        specs.append(
            TeamSpec(
                id="ic",
                members=tuple(pool),
                shift="weekly",
                timezone="America/New_York",
                country="US",
                min_roster=incident_pool // 2,
                min_rest=timedelta(days=7),
                handoff=time(9, 0),
            )
        )
    away = {s.id: 1 if len(s.members) < 8 else 2 for s in specs}
    return _org(
        f"{people} people in {teams} rotations",
        "America/New_York",
        "US",
        persons,
        specs,
        rng,
        0.35,
        away,
        weeks,
        heavy=people // 20,
        avoid=people // 30,
    )


def connected_org(
    teams: int = 40, people: int = 300, incident_pool: int = 0, seed: int = 300
) -> Org:
    """A connected organisation: 10% of people hold a second rotation anywhere in the org.

    Second rotations drawn from the whole org (not the department) chain most teams into one
    group of rotations, as in real organisations; `incident_pool` adds an incident-commander
    rotation drawn from the weekly teams.
    """
    shared = round(0.10 * people)
    return big_org(
        teams=teams,
        people=people,
        cross_department=shared,
        incident_pool=incident_pool,
        seed=seed,
    )
