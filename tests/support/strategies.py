"""Hypothesis strategies: small, valid orgs and horizons built straight from the model."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from hypothesis import strategies as st

from scheduler.domain.model import (
    Assignment,
    AvoidRequest,
    Horizon,
    Leave,
    Org,
    Person,
    Problem,
    Rotation,
    Team,
    Trainee,
)
from scheduler.domain.shifts import local_midnight, make_problem, team_shifts

ZONES = ("Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC")
HANDOFFS = (time(0, 0), time(9, 0), time(10, 0), time(17, 30))
# Mondays around the daylight-saving changes of Berlin and New York, and a quiet one.
DST_WEEKS = (date(2027, 3, 8), date(2027, 3, 22), date(2027, 10, 25), date(2027, 11, 1))
HOLIDAYS = ((), ("US",), ("DE",), ("IN",))


@dataclass(frozen=True)
class Case:
    """An org and the horizon to plan it for."""

    org: Org
    start: date
    weeks: int

    def problem(self) -> Problem:
        """Make the problem of planning the org over the horizon."""
        return make_problem(self.org, self.start, self.weeks)


rests_daily = st.sampled_from((0, 0, 0, 1, 2, 7))
starts = st.one_of(
    st.sampled_from(DST_WEEKS), st.dates(min_value=date(2026, 12, 1), max_value=date(2027, 12, 31))
)


@st.composite
def rotations(draw, members: int) -> Rotation:
    """Draw a weekly or daily rotation a team of `members` might keep."""
    shift = draw(st.sampled_from(("weekly", "daily")))
    return Rotation(
        shift=shift,
        handoff=draw(st.sampled_from(HANDOFFS)),
        handoff_weekday=draw(st.integers(0, 6)),
        roles=draw(st.sampled_from((("primary",), ("primary", "secondary")))),
        # Now and then one more than the team has: the roster rule must explain itself.
        min_roster=draw(st.integers(1, min(5, members + 1))),
        # Daily shifts with days of rest need a big team: keep that rare, not impossible.
        min_rest=timedelta(days=draw(st.integers(0, 7) if shift == "weekly" else rests_daily)),
    )


def _team_split(draw, ids: list[str]) -> list[tuple[str, ...]]:
    """Split people into one or two teams, sometimes with one person in both."""
    if len(ids) < 4 or not draw(st.booleans()):
        return [tuple(ids)]
    cut = draw(st.integers(2, len(ids) - 2))
    first, second = ids[:cut], ids[cut:]
    if draw(st.booleans()):
        second = [first[0], *second]  # a person in both rotations
    return [tuple(first), tuple(second)]


@st.composite
def leaves(draw, people: tuple[Person, ...], start: date, weeks: int) -> tuple[Leave, ...]:
    """Draw whole-day leave, person-local, around and inside the horizon."""
    result = []
    for person in people:
        for _ in range(draw(st.sampled_from((0, 0, 0, 1, 1, 2)))):
            first = start + timedelta(days=draw(st.integers(-7, 7 * weeks + 3)))
            last = first + timedelta(days=draw(st.integers(0, 10)))
            result.append(
                Leave(
                    person=person.id,
                    start=local_midnight(first, person.timezone),
                    end=local_midnight(last + timedelta(days=1), person.timezone),
                )
            )
    return tuple(result)


def _last_shift_before(team: Team, start: date):
    shifts = team_shifts(team, Horizon(start=start - timedelta(days=7), weeks=1))
    return shifts[-1] if shifts else None


@st.composite
def cases(draw, max_people: int = 9, max_weeks: int = 4) -> Case:
    """Draw a small org (1-2 teams, 3-9 people) and a horizon of 1-4 weeks."""
    start = draw(starts)
    weeks = draw(st.integers(1, max_weeks))
    org_zone = draw(st.sampled_from(ZONES))
    n = draw(st.integers(3, max_people))
    ids = [f"p{i}" for i in range(n)]
    split = _team_split(draw, ids)
    shared = set(split[0]) & set(split[-1]) if len(split) > 1 else set()

    trainee_id = None
    if draw(st.integers(0, 3)) == 0:
        trainee_id = draw(st.sampled_from([p for p in ids if p not in shared]))
    part_timer = draw(st.sampled_from([None, *ids])) if draw(st.booleans()) else None
    people = tuple(
        Person(
            id=pid,
            name=f"Person {pid[1:]}",
            timezone=draw(st.sampled_from(ZONES)),
            fte=draw(st.sampled_from((0.5, 0.6, 0.8))) if pid == part_timer else 1.0,
            trainee=(
                Trainee(shadows=draw(st.integers(0, 2)), secondaries=draw(st.integers(0, 1)))
                if pid == trainee_id
                else None
            ),
        )
        for pid in ids
    )
    teams = tuple(
        Team(
            id=f"team{k}",
            name=f"Team {k}",
            timezone=draw(st.sampled_from(ZONES)),
            members=members,
            rotation=draw(rotations(len(members))),
            holidays=draw(st.sampled_from(HOLIDAYS)),
        )
        for k, members in enumerate(split)
    )

    history = []
    for team in teams:
        if draw(st.booleans()):
            last = _last_shift_before(team, start)
            if last is not None:
                person = draw(st.sampled_from(team.members))
                history.append(Assignment(shift=last, role="primary", person=person))
    avoid = ()
    if draw(st.booleans()):
        who = draw(st.sampled_from(people))
        day = start + timedelta(days=draw(st.integers(0, 7 * weeks - 1)))
        avoid = (
            AvoidRequest(
                person=who.id,
                start=local_midnight(day, who.timezone),
                end=local_midnight(day + timedelta(days=1), who.timezone),
            ),
        )
    org = Org(
        name="Generated",
        timezone=org_zone,
        people=people,
        teams=teams,
        holidays=draw(st.sampled_from(HOLIDAYS)),
        lookback_weeks=draw(st.sampled_from((0, 4, 26))),
        leave=draw(leaves(people, start, weeks)),
        avoid=avoid,
        history=tuple(history),
    )
    return Case(org=org, start=start, weeks=weeks)


problems = cases().map(Case.problem)
