"""Notifications of events: who hears what, written in the change's transaction or not at all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from support.builders import FAST
from support.notices import deliveries, give_addresses, notices
from support.swap_fixtures import add_leave, week
from support.world import START, SWAPS, Scenario, shifts

from scheduler.services import accounts, notify, planning, swaps
from scheduler.services.swaps import SwapRefused
from scheduler.store import DeliveryRow, NotificationRow, PersonRow, TeamRow

NOW = SWAPS.now
HOOK = "https://hooks.example.org/services/T1"


@pytest.fixture
def scenario() -> Scenario:
    return SWAPS


@pytest.fixture
def addressed(sessions, world):
    """Give people email addresses and teams a webhook; return how many notifications exist."""
    with sessions.begin() as session:
        give_addresses(session, HOOK)
        return session.scalar(select(func.count()).select_from(NotificationRow))


def ops_shift(session, world, week_index, role="primary"):
    return next(r for r in shifts(session, world, "ops", role) if week(r) == week_index)


def name(session, person_id) -> str:
    return session.get(PersonRow, person_id).name


def test_an_offer_and_its_acceptance_tell_both_people_by_app_email_and_hook(
    sessions, world, addressed
):
    with sessions() as session:
        row = ops_shift(session, world, 2)
        giver = row.person_id
        taker = swaps.suggest_takers(session, row.id, limit=3)[0].person_id
        swap = swaps.offer(session, row.id, giver, taker, NOW)
        session.commit()
        (offered,) = notices(session, "swap.offer")
        assert offered.person_id == taker and offered.read_at is None
        assert offered.subject == f"{name(session, giver)} offers you a shift"
        assert "Primary on Ops" in offered.body and offered.link == "/swaps"
        (email,) = [d for d in deliveries(session, "email") if d.notification_id == offered.id]
        assert email.target == f"{world.key_of(taker)}@example.org"
        assert (email.status, email.attempts) == ("pending", 0)
        (hook,) = deliveries(session, "webhook")
        assert hook.target == HOOK and name(session, taker) in hook.body

        swaps.accept(session, swap.id, taker, NOW + timedelta(hours=1))
        session.commit()
        (accepted,) = notices(session, "swap.accepted")
        assert accepted.person_id == giver
        assert accepted.subject == f"{name(session, taker)} accepted your offer"
        moved = deliveries(session, "webhook")[-1]
        assert moved.body.endswith(f"moved from {name(session, giver)} to {name(session, taker)}.")


def test_a_declined_offer_tells_whoever_made_it(sessions, world, addressed):
    with sessions() as session:
        row = ops_shift(session, world, 3)
        taker = swaps.suggest_takers(session, row.id, limit=3)[0].person_id
        swap = swaps.offer(session, row.id, row.person_id, taker, NOW)
        swaps.decline(session, swap.id, taker, NOW)
        session.commit()
        (declined,) = notices(session, "swap.declined")
        assert declined.person_id == row.person_id
        assert "You still hold it" in declined.body


def test_a_swap_awaiting_approval_tells_the_managers_not_a_party(sessions, world, addressed):
    with sessions() as session:
        boss = accounts.add_user(session, "boss", None, manages=("ops",), actor="t", now=NOW)
        other = accounts.add_user(session, "dbboss", None, manages=("db",), actor="t", now=NOW)
        session.get(TeamRow, world.teams["ops"]).swaps_need_approval = True
        row = ops_shift(session, world, 2)
        giver, taker = row.person_id, swaps.suggest_takers(session, row.id, limit=3)[0].person_id
        swap = swaps.offer(session, row.id, giver, taker, NOW)
        swaps.accept(session, swap.id, taker, NOW)
        session.commit()
        (waiting,) = notices(session, "swap.awaiting_approval")
        assert waiting.person_id == giver
        (approval,) = notices(session, "swap.approval")
        assert approval.user_id == boss.id and approval.user_id != other.id
        assert notify.unread_count(session, boss) == 1
        assert notify.unread_count(session, other) == 0

        swaps.approve(session, swap.id, boss.id, NOW + timedelta(hours=2))
        session.commit()
        (accepted,) = notices(session, "swap.accepted")
        assert accepted.person_id == giver and row.person_id == taker


def test_a_change_that_rolls_back_leaves_no_notification(sessions, world, addressed):
    with sessions() as session:
        before = (len(notices(session)), len(deliveries(session)))
        row = ops_shift(session, world, 2)
        taker = swaps.suggest_takers(session, row.id, limit=3)[0].person_id
        swaps.offer(session, row.id, row.person_id, taker, NOW)
        assert len(notices(session)) == before[0] + 1  # written, in the open transaction
        session.rollback()
    with sessions() as session:
        assert (len(notices(session)), len(deliveries(session))) == before


def test_a_refused_swap_writes_no_notification(sessions, world, addressed):
    with sessions() as session:
        before = (len(notices(session)), len(deliveries(session)))
        row = ops_shift(session, world, 2)
        with pytest.raises(SwapRefused):
            swaps.offer(session, row.id, row.person_id, row.person_id, NOW)
        session.commit()
        assert (len(notices(session)), len(deliveries(session))) == before


def test_a_republished_plan_lists_each_persons_changes(sessions, world, addressed):
    with sessions() as session:
        row = ops_shift(session, world, 2)
        holder, key = row.person_id, world.key_of(row.person_id)
        add_leave(session, holder, row)
        session.commit()
        generated = planning.generate(session, world.org_id, START, SWAPS.weeks, FAST, "t", NOW)
        assert generated.plan is not None
        session.query(NotificationRow).delete()  # only what publishing writes
        session.query(DeliveryRow).delete()
        planning.publish(session, generated.plan.id, "t", NOW)
        session.commit()
        mine = [n for n in notices(session, "plan.changes") if n.person_id == holder]
        assert len(mine) == 1
        assert mine[0].subject.startswith("The new plan changes")
        line = f"- week of {row.start:%Y-%m-%d}, ops primary: {key} -> "
        assert line in mine[0].body
        new_holder = next(
            a.person_id
            for a in generated.plan.assignments
            if (a.team_id, a.start, a.role) == (row.team_id, row.start, "primary")
        )
        theirs = [n for n in notices(session, "plan.changes") if n.person_id == new_holder]
        assert f"ops primary: {key} -> {world.key_of(new_holder)}" in theirs[0].body
        team_lines = [d.body for d in deliveries(session, "webhook")]
        assert any(f"ops primary: {key} -> " in body for body in team_lines)
        # Only people whose shifts changed hear of it.
        changed = {n.person_id for n in notices(session, "plan.changes")}
        assert changed < set(world.people.values())


def test_the_first_plan_of_a_quarter_tells_each_person_their_shifts(sessions, world):
    with sessions() as session:
        held = {}
        for r in shifts(session, world):
            held[r.person_id] = held.get(r.person_id, 0) + 1
        told = {n.person_id: n for n in notices(session, "plan.changes")}
        assert set(told) == set(held)
        for person_id, n in told.items():
            shifts_held = "1 shift" if held[person_id] == 1 else f"{held[person_id]} shifts"
            assert n.subject.endswith(f"you hold {shifts_held}")


def test_shifts_starting_within_a_day_are_reminded_once(sessions, world, addressed):
    with sessions() as session:
        first = [r for r in shifts(session, world) if week(r) == 1]
        now = first[0].start - timedelta(hours=12)
        assert notify.shifts_starting(session, now) == len(first)
        session.commit()
        assert notify.shifts_starting(session, now + timedelta(hours=1)) == 0
        reminded = notices(session, "shift.starting")
        assert {n.person_id for n in reminded} == {r.person_id for r in first}
        assert all(n.dedupe_key.startswith("shift.starting:") for n in reminded)
        later = [r for r in shifts(session, world) if week(r) == 2]
        assert notify.shifts_starting(session, now) == 0  # nothing new within the day
        assert later[0].start - now > timedelta(hours=24)


def test_a_cover_request_tells_the_people_asked_but_not_the_asker(sessions, world, addressed):
    with sessions() as session:
        row = ops_shift(session, world, 1)
        others = [p for k, p in world.people.items() if k in ("ben", "cat") and p != row.person_id]
        notify.cover_requested(session, row, [*others, row.person_id], row.person_id, NOW)
        session.commit()
        asked = notices(session, "cover.request")
        assert sorted(n.person_id for n in asked) == sorted(others)
        assert all(n.subject.endswith("asks you to cover a shift") for n in asked)


def test_the_importer_stores_a_teams_webhook_url(sessions):
    from support.builders import DATA

    from scheduler.domain.orgfile import parse_org
    from scheduler.services.importer import import_org

    text = (DATA / "team.yaml").read_text(encoding="utf-8")
    text = text.replace("    runbook:", "    webhook_url: http://127.0.0.1:9000/hook\n    runbook:")
    with sessions.begin() as session:
        import_org(session, parse_org(text, "team.yaml"), "test", NOW)
    with sessions() as session:
        (team,) = session.scalars(select(TeamRow)).all()
        assert team.webhook_url == "http://127.0.0.1:9000/hook"


def test_two_scans_at_once_remind_each_holder_once(sessions, world, addressed):
    """The second scan waits for the first (SQLite's write lock, PostgreSQL's unique index)."""
    import threading

    with sessions() as session:
        first = [r for r in shifts(session, world) if week(r) == 1]
    now = first[0].start - timedelta(hours=12)
    counts = []
    with sessions() as one:
        counts.append(notify.shifts_starting(one, now))

        def other_scan() -> None:
            with sessions() as two:
                counts.append(notify.shifts_starting(two, now))
                two.commit()

        thread = threading.Thread(target=other_scan)
        thread.start()
        thread.join(timeout=1.0)  # it waits for the first scan's transaction
        one.commit()
    thread.join()
    assert counts == [len(first), 0]
    with sessions() as session:
        assert len(notices(session, "shift.starting")) == len(first)


def test_an_offer_to_anyone_names_nobody_but_the_team_hears_it(sessions, world, addressed):
    with sessions() as session:
        before = len(notices(session))
        row = ops_shift(session, world, 2)
        swaps.offer(session, row.id, row.person_id, None, NOW)
        session.commit()
        assert len(notices(session)) == before
        (hook,) = deliveries(session, "webhook")
        assert hook.body.endswith("to anyone eligible.") and hook.team_id == world.teams["ops"]
