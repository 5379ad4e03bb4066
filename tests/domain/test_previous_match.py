"""A previous plan read against today's org: what still applies is kept, the rest counted."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from scheduler.domain.previous import (
    GONE_PERSON,
    GONE_ROLE,
    GONE_TEAM,
    MOVED_SHIFT,
    NOT_MEMBER,
    OUTSIDE,
    PreviousRow,
    match_previous,
)
from scheduler.domain.shifts import make_problem
from tests.support.builders import build_small_team_org, make_person

MONDAY = datetime(2027, 1, 4, 9, tzinfo=UTC)


def test_each_kind_of_mismatch_is_dropped_counted_and_said_once() -> None:
    org = build_small_team_org(["ann", "bob", "cat"])
    org = org.__class__(**{**org.__dict__, "people": (*org.people, make_person("zoe"))})
    problem = make_problem(org, date(2027, 1, 4), 2)
    week = timedelta(weeks=1)
    rows = [
        PreviousRow("ops", "primary", MONDAY, "ann"),  # kept
        PreviousRow("ops", "primary", MONDAY + week, "gone"),
        PreviousRow("ops", "primary", MONDAY + week, "old"),
        PreviousRow("billing", "primary", MONDAY, "bob"),
        PreviousRow("ops", "primary", MONDAY + week, "zoe"),  # in the org, not in the team
        PreviousRow("ops", "secondary", MONDAY, "bob"),  # the rotation has no secondary now
        PreviousRow("ops", "primary", MONDAY + timedelta(hours=1), "cat"),  # handoff moved
        PreviousRow("ops", "primary", MONDAY + 5 * week, "cat"),  # another horizon
    ]
    matched = match_previous(problem, rows)
    assert [(a.shift.start, a.person) for a in matched.assignments] == [(MONDAY, "ann")]
    assert matched.dropped == {
        GONE_PERSON: 2,
        GONE_TEAM: 1,
        NOT_MEMBER: 1,
        GONE_ROLE: 1,
        MOVED_SHIFT: 1,
        OUTSIDE: 1,
    }
    lines = matched.lines()
    assert lines[0] == "2 assignments of people no longer in the org are dropped"
    assert "1 assignment of teams no longer in the org is dropped" in lines
    assert len(lines) == 6
