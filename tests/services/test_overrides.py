"""Overrides: covering part of a shift splits it; every piece obeys the rules; refusals change
nothing (docs/rules.md#overrides)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from support.override_fixtures import covers, db_shift, evening, snapshot
from support.swap_fixtures import violations
from support.world import SWAPS, Scenario, shifts

from scheduler.domain.fairness import fairness_report
from scheduler.domain.points import DayCalendar
from scheduler.services import accounts, overrides
from scheduler.services.oncall import on_call
from scheduler.services.swaps import SwapForbidden, SwapRefused
from scheduler.store import AuditRow, PlanRow, TeamRow, problem_for_plan

NOW = SWAPS.now


@pytest.fixture
def scenario() -> Scenario:
    return SWAPS


def refused(call, *args) -> SwapRefused:
    with pytest.raises(SwapRefused) as caught:
        call(*args)
    return caught.value


def pieces_of(session, world, row):
    """Return the stored plan's problem and plan, and the pieces of `row`'s shift by start."""
    problem, plan = problem_for_plan(session, session.get(PlanRow, world.plan_id))
    mine = [a for a in plan.assignments if a.shift.start == row.start and a.shift.team == "db"]
    return problem, plan, sorted(mine, key=lambda a: a.start)


def test_a_cover_request_accepted_splits_the_shift_and_moves_the_points(sessions, world):
    with sessions() as session:
        row = db_shift(session, world)
        holder = row.person_id
        start, end = evening(row)
        cover = covers(session, row, start, end)[0]
        problem, plan, _ = pieces_of(session, world, row)
        before = fairness_report(problem, plan.assignments, DayCalendar(problem.org))
        asked = overrides.request_cover(session, row.id, holder, cover, start, end, NOW)
        session.commit()
        assert asked.status == "open" and asked in overrides.pending_for(session, cover)
        done = overrides.accept(session, asked.id, cover, NOW)
        session.commit()
        assert done.status == "accepted"

        problem, plan, pieces = pieces_of(session, world, row)
        shown = [(p.person, p.start, p.end, p.cover) for p in pieces]
        holder_key, cover_key = world.key_of(holder), world.key_of(cover)
        assert shown == [
            (holder_key, row.start, start, False),
            (cover_key, start, end, True),
            (holder_key, end, row.end, False),
        ]
        assert violations(session, world.plan_id) == []
        after = fairness_report(problem, plan.assignments, DayCalendar(problem.org))
        points = {p.person: p.planned_points for p in before.people}
        moved = {p.person: p.planned_points - points[p.person] for p in after.people}
        # Five weekday evening hours of a primary: 5 h x 2 (weekday) x 2 (primary) = 20 points.
        assert moved[cover_key] == 20 and moved[holder_key] == -20
        actions = set(session.scalars(select(AuditRow.action)))
        assert {"override.request", "override.accept", "assignment.override"} <= actions


def test_an_offer_to_cover_the_holder_accepts_and_on_call_follows_it(sessions, world):
    with sessions() as session:
        row = db_shift(session, world)
        start, end = evening(row, day=2)
        cover = covers(session, row, start, end)[0]
        offered = overrides.offer_cover(session, row.id, cover, start, end, NOW)
        with pytest.raises(SwapForbidden):
            overrides.accept(session, offered.id, cover, NOW)  # the holder answers an offer
        offered = overrides.offer_cover(session, row.id, cover, start, end, NOW)
        overrides.accept(session, offered.id, row.person_id, NOW)
        session.commit()
        during = {
            c.role: c.person_key
            for c in on_call(session, world.org_id, start)
            if c.team_key == "db"
        }
        after = {
            c.role: c.person_key for c in on_call(session, world.org_id, end) if c.team_key == "db"
        }
        assert during == {"primary": world.key_of(cover)}
        assert after == {"primary": world.key_of(row.person_id)}
        now_on = next(c for c in on_call(session, world.org_id, start) if c.team_key == "db")
        assert (now_on.start, now_on.end) == (start, end)


def test_a_team_that_asks_for_approval_waits_for_a_manager(sessions, world):
    with sessions() as session:
        session.execute(
            update(TeamRow).where(TeamRow.id == world.teams["db"]).values(swaps_need_approval=True)
        )
        boss = accounts.add_user(session, "boss", None, actor="t", now=NOW, manages=("db",))
        row = db_shift(session, world)
        start, end = evening(row)
        cover = covers(session, row, start, end)[0]
        asked = overrides.request_cover(session, row.id, row.person_id, cover, start, end, NOW)
        overrides.accept(session, asked.id, cover, NOW)
        session.commit()
        assert asked.status == "awaiting_approval"
        assert asked in overrides.pending_for(session, None, boss.id)
        assert len(pieces_of(session, world, row)[2]) == 1  # nothing split yet
        overrides.approve(session, asked.id, boss.id, NOW)
        session.commit()
        assert asked.status == "accepted" and len(pieces_of(session, world, row)[2]) == 3


def test_a_manager_assigns_a_cover_at_once_and_others_may_not(sessions, world):
    with sessions() as session:
        boss = accounts.add_user(session, "boss", None, actor="t", now=NOW, manages=("db",))
        other = accounts.add_user(session, "opsboss", None, actor="t", now=NOW, manages=("ops",))
        session.commit()
        row = db_shift(session, world)
        start, end = evening(row)
        cover = covers(session, row, start, end)[0]
        with pytest.raises(SwapForbidden):
            overrides.assign_cover(session, row.id, other.id, cover, start, end, NOW)
        done = overrides.assign_cover(session, row.id, boss.id, cover, start, end, NOW)
        session.commit()
        assert done.status == "accepted" and len(pieces_of(session, world, row)[2]) == 3


def test_the_rest_of_a_started_shift_can_be_covered(sessions, world):
    with sessions() as session:
        row = db_shift(session, world)
        now = row.start + timedelta(days=2, minutes=7)
        from scheduler.domain.overrides import rest_of_shift
        from scheduler.store import assignment_from_row

        start, end = rest_of_shift(assignment_from_row(row), now)
        assert (start - row.start, end) == (timedelta(days=2, minutes=15), row.end)
        cover = covers(session, row, start, end)[0]
        asked = overrides.request_cover(session, row.id, row.person_id, cover, start, end, now)
        overrides.accept(session, asked.id, cover, now)
        session.commit()
        assert [p.cover for p in pieces_of(session, world, row)[2]] == [False, True]


def test_two_overrides_of_one_shift_that_do_not_overlap_both_apply(sessions, world):
    with sessions() as session:
        row = db_shift(session, world)
        first, second = evening(row, 1), evening(row, 3)
        for start, end in (first, second):
            cover = covers(session, row, start, end)[0]
            asked = overrides.request_cover(session, row.id, row.person_id, cover, start, end, NOW)
            overrides.accept(session, asked.id, cover, NOW)
        session.commit()
        assert [p.cover for p in pieces_of(session, world, row)[2]] == [
            False,
            True,
            False,
            True,
            False,
        ]
        assert violations(session, world.plan_id) == []


def test_bad_ranges_are_refused_with_a_sentence_and_change_nothing(sessions, world):
    with sessions() as session:
        row = db_shift(session, world)
        start, end = evening(row)
        cover = covers(session, row, start, end)[0]
        holder = row.person_id
        done = overrides.request_cover(session, row.id, holder, cover, start, end, NOW)
        overrides.accept(session, done.id, cover, NOW)
        session.commit()
        row = db_shift(session, world)
        other = next(p for p in covers(session, row, *evening(row, 2)) if p != cover)
        before = snapshot(session)
        cases = {
            "not inside the shift": (
                row.start - timedelta(hours=1),
                row.start + timedelta(hours=2),
            ),
            "before it starts": (end, start),
            "overlaps the override": (start + timedelta(hours=1), end + timedelta(hours=1)),
            "whole minute": (start + timedelta(hours=1, seconds=30), end + timedelta(hours=2)),
        }
        for words, (a, b) in cases.items():
            refusal = refused(overrides.request_cover, session, row.id, holder, other, a, b, NOW)
            assert words in refusal.message, refusal.message
            assert snapshot(session) == before
        late = row.start + timedelta(days=3)
        refusal = refused(
            overrides.request_cover,
            session,
            row.id,
            holder,
            other,
            row.start + timedelta(days=2),
            late,
            late,
        )
        assert "has passed" in refusal.message and "the past never changes" in refusal.message
        assert snapshot(session) == before


def test_a_cover_who_breaks_a_rule_is_refused_in_the_rules_words(sessions, world):
    """Ops needs a week's rest: whoever holds the week before cannot cover this week's evening."""
    with sessions() as session:
        ops = [r for r in shifts(session, world, "ops", "primary")]
        row, previous = ops[2], ops[1]
        start, end = evening(row)
        before = snapshot(session)
        refusal = refused(
            overrides.request_cover,
            session,
            row.id,
            row.person_id,
            previous.person_id,
            start,
            end,
            NOW,
        )
        assert "off between" in refusal.message and "needs at least 7d" in refusal.message
        assert previous.person_id not in covers(session, row, start, end)
        assert snapshot(session) == before


def test_only_the_asked_answer_and_only_the_maker_withdraws(sessions, world):
    with sessions() as session:
        row = db_shift(session, world)
        start, end = evening(row)
        cover, third = covers(session, row, start, end)[:2]
        asked = overrides.request_cover(session, row.id, row.person_id, cover, start, end, NOW)
        with pytest.raises(SwapForbidden):
            overrides.decline(session, asked.id, third, NOW)
        asked = overrides.request_cover(session, row.id, row.person_id, cover, start, end, NOW)
        with pytest.raises(SwapForbidden):
            overrides.cancel(session, asked.id, cover, NOW)
        asked = overrides.request_cover(session, row.id, row.person_id, cover, start, end, NOW)
        overrides.decline(session, asked.id, cover, NOW)
        assert asked.status == "declined"
        assert "declined" in refused(overrides.accept, session, asked.id, cover, NOW).message
        again = overrides.request_cover(session, row.id, row.person_id, cover, start, end, NOW)
        overrides.cancel(session, again.id, row.person_id, NOW)
        assert again.status == "cancelled"


def test_notices_name_who_is_told_what(sessions, world):
    with sessions() as session:
        row = db_shift(session, world)
        start, end = evening(row)
        cover = covers(session, row, start, end)[0]
        asked = overrides.request_cover(session, row.id, row.person_id, cover, start, end, NOW)
        [notice] = overrides.events(session, asked, "requested", None)
        assert notice.person_id == cover and "asks you to cover" in notice.text
        [told] = overrides.events(session, asked, "accepted", asked.cover)
        assert told.person_id == row.person_id


def test_accepted_overrides_survive_a_republished_quarter(sessions, world):
    from support.builders import FAST

    from scheduler.services.planning import generate, publish

    with sessions() as session:
        row = db_shift(session, world)
        start, end = evening(row)
        cover = covers(session, row, start, end)[0]
        asked = overrides.request_cover(session, row.id, row.person_id, cover, start, end, NOW)
        overrides.accept(session, asked.id, cover, NOW)
        pending = overrides.request_cover(
            session, row.id, row.person_id, cover, *evening(row, 3), NOW
        )
        session.commit()
        holder, key = row.person_id, (row.team_id, row.start, row.role)
        draft = generate(session, world.org_id, row.plan.start, SWAPS.weeks, FAST, "t", NOW)
        new = publish(session, draft.plan.id, "t", NOW)
        session.commit()
        target = next(r for r in new.assignments if (r.team_id, r.start, r.role) == key)
        actions = list(session.scalars(select(AuditRow.action).order_by(AuditRow.id)))
        assert session.get(type(pending), pending.id).status == "cancelled"
        if target.person_id == holder:
            assert [(o.cover_id, o.start, o.end) for o in target.overrides] == [(cover, start, end)]
            assert "override.carry" in actions
        else:
            assert target.overrides == [] and "override.drop" in actions


def test_override_events_reach_the_notifications_outbox(sessions, world):
    from scheduler.store import NotificationRow

    with sessions() as session:
        session.execute(
            update(TeamRow).where(TeamRow.id == world.teams["db"]).values(swaps_need_approval=True)
        )
        boss = accounts.add_user(session, "boss", None, actor="t", now=NOW, manages=("db",))
        row = db_shift(session, world)
        start, end = evening(row)
        cover = covers(session, row, start, end)[0]
        asked = overrides.request_cover(session, row.id, row.person_id, cover, start, end, NOW)
        session.commit()

        def kinds(**who) -> list[str]:
            query = select(NotificationRow.kind).filter_by(**who).order_by(NotificationRow.id)
            return [k for k in session.scalars(query) if k.startswith("override.")]

        assert kinds(person_id=cover) == ["override.requested"]
        overrides.accept(session, asked.id, cover, NOW)
        session.commit()
        assert kinds(user_id=boss.id) == ["override.approval"]  # the manager, not a party
        assert "override.awaiting_approval" in kinds(person_id=row.person_id)


@pytest.mark.parametrize("party", ["holder", "cover"])
def test_a_manager_does_not_assign_a_cover_they_are_part_of(sessions, world, party):
    # Assigning applies at once: for a party to it, that would approve their own override.
    with sessions() as session:
        row = db_shift(session, world)
        start, end = evening(row)
        cover = covers(session, row, start, end)[0]
        key = world.key_of(row.person_id if party == "holder" else cover)
        boss = accounts.add_user(
            session, "boss", None, key, manages=("db",), org_id=world.org_id, actor="t", now=NOW
        )
        session.commit()
        before = snapshot(session)
        error = refused(overrides.assign_cover, session, row.id, boss.id, cover, start, end, NOW)
        assert "part of this override" in error.message
        assert snapshot(session) == before
        assert len(pieces_of(session, world, row)[2]) == 1
