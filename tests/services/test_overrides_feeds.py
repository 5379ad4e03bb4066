"""An accepted override in the stored feeds and figures: the holder's event keeps its UID with
new times and a higher SEQUENCE, the cover's feed gains the cover's event, the fairness of the
stored plan moves the points, and a swap of a split shift keeps the cover."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from support.override_fixtures import covers, db_shift, evening
from support.world import SWAPS, Scenario

from scheduler.services import feedstore, overrides, planning, swaps

NOW = SWAPS.now


@pytest.fixture
def scenario() -> Scenario:
    return SWAPS


def events(body: bytes) -> dict[str, tuple]:
    return {
        str(e["UID"]): (e.decoded("DTSTART"), e.decoded("DTEND"), int(e.get("SEQUENCE", 0)))
        for e in Calendar.from_ical(body).walk("VEVENT")
    }


def cover_evening(session, row):
    start, end = evening(row)
    cover = covers(session, row, start, end)[0]
    asked = overrides.request_cover(session, row.id, row.person_id, cover, start, end, NOW)
    overrides.accept(session, asked.id, cover, NOW)
    session.commit()
    return cover, start, end


def test_feeds_show_the_pieces_and_raise_the_holders_sequence(sessions, world):
    with sessions() as session:
        row = db_shift(session, world)
        holder = row.person_id
        before = events(feedstore.person_feed_bytes(session, holder, NOW))
        team_before = events(feedstore.team_feed_bytes(session, world.teams["db"], NOW))
        session.commit()
        cover, start, end = cover_evening(session, row)
        later = NOW + timedelta(hours=1)
        mine = events(feedstore.person_feed_bytes(session, holder, later))
        theirs = events(feedstore.person_feed_bytes(session, cover, later))
        team = events(feedstore.team_feed_bytes(session, world.teams["db"], later))
        session.commit()
        row_start, row_end = row.start, row.end
    uid = next(u for u, (s, _, _) in before.items() if s == row_start)
    assert before[uid][:2] == (row_start, row_end)
    assert mine[uid] == (row_start, start, before[uid][2] + 1)
    after_uid = next(u for u in mine if "-after-" in u)
    assert mine[after_uid][:2] == (end, row_end)
    [cover_uid] = [u for u in theirs if "-cover-" in u]
    assert theirs[cover_uid][:2] == (start, end)
    assert len(team) == len(team_before) + 2


def test_the_stored_plans_fairness_counts_the_hours_held(sessions, world):
    with sessions() as session:
        row = db_shift(session, world)
        holder = world.key_of(row.person_id)
        before = {
            p.person: p.planned_points for p in planning.fairness_of(session, world.plan_id).people
        }
        cover, _, _ = cover_evening(session, row)
        after = {
            p.person: p.planned_points for p in planning.fairness_of(session, world.plan_id).people
        }
    assert after[world.key_of(cover)] - before[world.key_of(cover)] == 20
    assert before[holder] - after[holder] == 20


def test_a_swap_of_a_split_shift_hands_over_the_holders_pieces_and_keeps_the_cover(sessions, world):
    with sessions() as session:
        row = db_shift(session, world)
        cover, start, end = cover_evening(session, row)
        taker = next(
            s.person_id
            for s in swaps.suggest_takers(session, row.id, limit=10)
            if s.person_id != cover
        )
        offer = swaps.offer(session, row.id, row.person_id, taker, NOW)
        swaps.accept(session, offer.id, taker, NOW)
        session.commit()
        session.refresh(row)
        assert row.person_id == taker
        crew = events(feedstore.person_feed_bytes(session, cover, NOW))
        assert [v[:2] for u, v in crew.items() if "-cover-" in u] == [(start, end)]
