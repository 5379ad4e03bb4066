"""Overrides in the domain: pieces of a shift, judged by the rulebook, counted in points, shown
in feeds with stable UIDs (docs/rules.md#overrides, docs/feeds.md#overrides)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from support.icaljs import ical_js_events
from test_rules import TRAINED, only, search_org, search_team, week
from test_rules import valid as valid_plan

from scheduler.domain import rules
from scheduler.domain.fairness import fairness_report
from scheduler.domain.feeds import feed_bytes, fingerprint, person_feed, revise, team_feed
from scheduler.domain.model import Assignment, Leave, Plan
from scheduler.domain.overrides import Cover, describe, problem_with, rest_of_shift, split
from scheduler.domain.points import DayCalendar


def valid():
    """Return the rulebook tests' valid plan, with Omar a member of Search (free to cover)."""
    team = search_team(members=(*TRAINED, "gina", "omar"))
    return valid_plan(search_org(teams=(team,)))


def tuesday_evening(shift) -> tuple[datetime, datetime]:
    """Tue 18:00-23:00 New York of a week that hands off Monday 10:00 New York (EST, -5)."""
    start = shift.start + timedelta(days=1, hours=8)  # Mon 10:00 + 1 day 8 hours
    return start, start + timedelta(hours=5)


def covered(problem, plan, n: int, person: str, role: str = "primary", span=None):
    """Return the plan with `person` covering `span` (Tue evening) of week `n`'s `role`."""
    old = next(a for a in plan.assignments if a.shift == week(problem, n) and a.role == role)
    start, end = span or tuesday_evening(old.shift)
    pieces = split(old, [Cover(start, end, person)])
    rest = [a for a in plan.assignments if a != old]
    return dataclasses.replace(plan, assignments=tuple(sorted(rest + list(pieces)))), old


def test_split_keeps_the_holder_around_the_cover_and_an_unsplit_assignment_is_whole():
    problem, plan = valid()
    old = next(a for a in plan.assignments if a.shift == week(problem, 1) and a.role == "primary")
    assert old.whole and (old.start, old.end) == (old.shift.start, old.shift.end)
    start, end = tuesday_evening(old.shift)
    before, cover, after = split(old, [Cover(start, end, "omar")])
    assert (before.person, before.start, before.end, before.cover) == (
        old.person,
        old.shift.start,
        start,
        False,
    )
    assert (cover.person, cover.start, cover.end, cover.cover) == ("omar", start, end, True)
    assert (after.start, after.end) == (end, old.shift.end)
    assert split(old, [Cover(old.shift.start, end, "omar")])[0].cover  # no empty piece first
    with pytest.raises(ValueError):
        split(old, [Cover(start, end, "omar"), Cover(start, end, "bob")])


def test_a_valid_cover_passes_and_the_holder_is_not_short_of_rest_inside_one_shift():
    problem, plan = valid()
    plan, _ = covered(problem, plan, 1, "omar")
    assert rules.check(problem, plan) == []


def test_a_cover_breaking_rest_on_leave_or_holding_two_roles_is_judged_on_its_piece():
    problem, plan = valid()
    # Alice holds week 0's primary and week 3's secondary: covering week 1 leaves her no rest.
    rest_plan, _ = covered(problem, plan, 1, "alice")
    [message] = only(problem, rest_plan, "rest")
    assert "Alice Chen has only" in message and "18:00" in message
    # Dan is secondary on week 1: covering its primary gives him two roles of one shift.
    assert (
        "one person takes one role per shift"
        in only(problem, covered(problem, plan, 1, "dan")[0], "overlap")[0]
    )
    # Omar on leave Tuesday evening only: just the piece's hours matter.
    start, end = tuesday_evening(week(problem, 1))
    away = dataclasses.replace(problem.org, leave=(Leave("omar", start + timedelta(hours=1), end),))
    on_leave = dataclasses.replace(problem, org=away)
    assert (
        "Omar Quinn is on leave" in only(on_leave, covered(problem, plan, 1, "omar")[0], "leave")[0]
    )
    later = dataclasses.replace(problem.org, leave=(Leave("omar", end, end + timedelta(hours=3)),))
    assert (
        rules.check(dataclasses.replace(problem, org=later), covered(problem, plan, 1, "omar")[0])
        == []
    )


def test_coverage_wants_the_pieces_to_cover_the_shift_once():
    problem, plan = valid()
    split_plan, old = covered(problem, plan, 1, "omar")
    holes = [a for a in split_plan.assignments if not (a.shift == old.shift and a.cover)]
    [message] = only(problem, Plan(tuple(holes)), "coverage")
    assert "nobody holds primary" in message and "18:00" in message
    extra = Assignment(
        old.shift, "primary", "omar", old.shift.start, old.shift.start + timedelta(hours=2), True
    )
    found = {v.rule for v in rules.check(problem, Plan((*split_plan.assignments, extra)))}
    assert "coverage" in found


def test_points_move_with_the_hours_and_shifts_count_once():
    problem, plan = valid()
    calendar = DayCalendar(problem.org)
    split_plan, old = covered(problem, plan, 1, "omar")
    before = {p.person: p for p in fairness_report(problem, plan.assignments, calendar).people}
    after = {p.person: p for p in fairness_report(problem, split_plan.assignments, calendar).people}
    # Tuesday 18:00-23:00 is five weekday hours of a primary: 5 x 2 x 2 = 20 points.
    assert after["omar"].planned_points - before["omar"].planned_points == 20
    assert before[old.person].planned_points - after[old.person].planned_points == 20
    assert after[old.person].shifts["primary"] == before[old.person].shifts["primary"]


def test_an_override_is_refused_outside_the_shift_in_the_past_or_overlapping():
    problem, plan = valid()
    old = next(a for a in plan.assignments if a.shift == week(problem, 1) and a.role == "primary")
    start, end = tuesday_evening(old.shift)
    org, now = problem.org, old.shift.start - timedelta(days=1)
    assert problem_with(org, old, start, end, [], now) is None
    assert "ends (Tue 2027-02-09 18:00) before it starts" in problem_with(
        org, old, end, start, [], now
    )
    outside = problem_with(org, old, old.shift.start - timedelta(hours=1), end, [], now)
    assert "is not inside the shift Mon 2027-02-08 10:00 – Mon 2027-02-15 10:00" in outside
    assert "the past never changes" in problem_with(
        org, old, start, end, [], start + timedelta(minutes=1)
    )
    clash = problem_with(org, old, start, end, [Cover(end - timedelta(hours=1), end, "bob")], now)
    assert "overlaps the override by Bob Li" in clash


def test_the_rest_of_a_shift_starts_at_the_next_quarter_hour():
    problem, plan = valid()
    old = next(a for a in plan.assignments if a.shift == week(problem, 1) and a.role == "primary")
    now = old.shift.start + timedelta(hours=30, minutes=1, seconds=5)
    assert rest_of_shift(old, now) == (
        old.shift.start + timedelta(hours=30, minutes=15),
        old.shift.end,
    )
    on_the_quarter = old.shift.start + timedelta(hours=2)
    assert rest_of_shift(old, on_the_quarter)[0] == on_the_quarter
    with pytest.raises(ValueError):
        rest_of_shift(old, old.shift.end - timedelta(minutes=5))


def test_pages_word_a_cover_on_the_team_clock():
    problem, plan = valid()
    split_plan, old = covered(problem, plan, 1, "omar")
    cover = next(a for a in split_plan.assignments if a.cover)
    assert describe(problem.org, cover) == "Tue 2027-02-09 18:00 – 23:00 covered by Omar Quinn"


def feed_events(cal: Calendar) -> dict[str, tuple]:
    return {
        str(e["UID"]): (e.decoded("DTSTART"), e.decoded("DTEND"), str(e["SUMMARY"]))
        for e in cal.walk("VEVENT")
    }


def test_feeds_keep_the_holders_uid_and_give_the_cover_and_the_rest_their_own(tmp_path):
    problem, plan = valid()
    now = datetime(2027, 1, 1, tzinfo=UTC)
    org = problem.org
    split_plan, old = covered(problem, plan, 1, "omar")
    start, end = tuesday_evening(old.shift)
    before = feed_events(team_feed(org, plan.assignments, "search", now))
    after = feed_events(team_feed(org, split_plan.assignments, "search", now))
    base = "search-20270208T1500Z-primary.team-search@rota"
    assert before[base][:2] == (old.shift.start, old.shift.end)
    assert after[base][:2] == (old.shift.start, start)  # the original event keeps its UID
    cover_uid = "search-20270208T1500Z-primary-cover-20270209T2300Z.team-search@rota"
    after_uid = "search-20270208T1500Z-primary-after-20270210T0400Z.team-search@rota"
    assert after[cover_uid] == (start, end, "Search primary: Omar Quinn")
    assert after[after_uid][:2] == (end, old.shift.end)
    assert set(after) - set(before) == {cover_uid, after_uid}
    mine = feed_events(person_feed(org, split_plan.assignments, "omar", now))
    assert [v[2] for v in mine.values()] == [
        f"Primary on-call: Search (covering {org.person(old.person).name})"
    ]
    # SPEC 7: the holder's event changed, so its SEQUENCE rises.
    old_event = next(
        e
        for e in team_feed(org, plan.assignments, "search", now).walk("VEVENT")
        if e["UID"] == base
    )
    new_event = next(
        e
        for e in team_feed(org, split_plan.assignments, "search", now).walk("VEVENT")
        if e["UID"] == base
    )
    from scheduler.domain.feeds import EventRevision, KnownEvent

    known = KnownEvent(fingerprint(old_event), EventRevision(0, now))
    assert revise(known, fingerprint(new_event), now + timedelta(hours=1)).sequence == 1
    path = tmp_path / "team.ics"
    path.write_bytes(feed_bytes(team_feed(org, split_plan.assignments, "search", now)))
    theirs = {e["uid"] for e in ical_js_events(path)}
    assert {base, cover_uid, after_uid} <= theirs
