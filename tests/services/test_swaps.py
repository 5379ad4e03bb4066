"""Swaps: offers, trades, approval, and refusals that quote the rulebook and change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from support.swap_fixtures import add_leave, holders, snapshot, violations, week
from support.world import START, SWAPS, Scenario, publish_plan, shifts

from scheduler.services import accounts, swaps
from scheduler.services.swaps import SwapRefused
from scheduler.store import AssignmentRow, AuditRow, SwapRow, TeamRow

NOW, WEEKS = SWAPS.now, SWAPS.weeks


@pytest.fixture
def scenario() -> Scenario:
    return SWAPS


def shift_in_week(session, world, week_index, team="ops", role="primary") -> AssignmentRow:
    return next(r for r in shifts(session, world, team, role) if week(r) == week_index)


def taker_for(session, row, n=0) -> int:
    """Return the id of the n-th teammate the service suggests for a shift."""
    return swaps.suggest_takers(session, row.id, limit=10)[n].person_id


def trained_crew_week(session, world) -> int:
    """Return a week whose Ops primary and secondary are both trained (trades of roles are fine)."""
    tia = world.people["tia"]
    return next(
        week(r)
        for r in shifts(session, world, "ops", "primary")
        if tia not in holders(session, world, "ops", week(r))
    )


def refused(call, *args) -> SwapRefused:
    with pytest.raises(SwapRefused) as caught:
        call(*args)
    return caught.value


# --- the happy paths ------------------------------------------------------------------------


def test_offer_to_a_named_teammate_and_accept_moves_the_shift(sessions, world):
    with sessions() as session:
        row = shift_in_week(session, world, 2)
        giver, taker = row.person_id, taker_for(session, row)
        others = {r.id: r.person_id for r in shifts(session, world) if r.id != row.id}
        swap = swaps.offer(session, row.id, giver, taker, NOW)
        session.commit()
        assert swap.status == "open" and swap.to_person_id == taker
        assert swap in swaps.open_swaps_for(session, taker)
        assert swap in swaps.open_swaps_for(session, giver)

        swaps.accept(session, swap.id, taker, NOW + timedelta(hours=1))
        session.commit()
        swap_id, row_id = swap.id, row.id
    with sessions() as session:
        swap, row = session.get(SwapRow, swap_id), session.get(AssignmentRow, row_id)
        assert (swap.status, swap.accepted_by_id) == ("accepted", taker)
        assert swap.decided_at == NOW + timedelta(hours=1)
        assert (row.person_id, row.revision) == (taker, 1)
        assert {r.id: r.person_id for r in shifts(session, world) if r.id != row.id} == others
        assert violations(session, world.plan_id) == []
        assert swaps.open_swaps_for(session, taker) == []
        actions = [a.action for a in session.scalars(select(AuditRow).order_by(AuditRow.id))]
        assert actions[-3:] == ["swap.offer", "assignment.swap", "swap.accept"]
        moved = session.scalars(select(AuditRow).where(AuditRow.action == "assignment.swap")).one()
        assert moved.entity_id == str(row.id)
        assert moved.before == {"person": world.key_of(giver), "revision": 0}
        assert moved.after["person"] == world.key_of(taker)


def test_an_open_offer_is_taken_by_anyone_eligible(sessions, world):
    with sessions() as session:
        row = shift_in_week(session, world, 2)
        giver, taker = row.person_id, taker_for(session, row, n=1)
        swap = swaps.offer(session, row.id, giver, None, NOW)
        session.commit()
        bystander = next(p for p in world.people.values() if p not in (giver, taker))
        assert swap in swaps.open_swaps_for(session, taker)  # an open offer to the team
        assert "your own offer" in refused(swaps.accept, session, swap.id, giver, NOW).message
        outsider = refused(swaps.accept, session, swap.id, world.people["olga"], NOW)
        assert "Olga is not a member of Ops" in outsider.message

        swaps.accept(session, swap.id, taker, NOW)
        session.commit()
        assert session.get(AssignmentRow, row.id).person_id == taker
        assert refused(swaps.accept, session, swap.id, bystander, NOW).message == swaps.TAKEN


def test_a_trade_swaps_both_shifts(sessions, world):
    with sessions() as session:
        w = trained_crew_week(session, world)
        primary = shift_in_week(session, world, w, role="primary")
        secondary = shift_in_week(session, world, w, role="secondary")
        a, b = primary.person_id, secondary.person_id
        swap = swaps.propose_trade(session, primary.id, secondary.id, a, NOW)
        session.commit()
        assert swap.to_person_id == b and swap.other_assignment_id == secondary.id
        assert (
            "someone else"
            in refused(swaps.accept, session, swap.id, world.people["pia"], NOW).message
        )

        swaps.accept(session, swap.id, b, NOW)
        session.commit()
        ids = primary.id, secondary.id
    with sessions() as session:
        primary, secondary = (session.get(AssignmentRow, i) for i in ids)
        assert (primary.person_id, primary.revision) == (b, 1)
        assert (secondary.person_id, secondary.revision) == (a, 1)
        assert violations(session, world.plan_id) == []


def test_a_trade_is_between_shifts_of_one_team(sessions, world):
    with sessions() as session:
        ops_row = shift_in_week(session, world, 2)
        db_row = shift_in_week(session, world, 3, team="db")
        before = snapshot(session)
        error = refused(swaps.propose_trade, session, ops_row.id, db_row.id, ops_row.person_id, NOW)
        assert "same team" in error.message
        assert snapshot(session) == before


# --- refusals: the rule's own explanation, and nothing changed --------------------------------


def test_a_taker_on_leave_is_refused_with_the_leave_rule(sessions, world):
    with sessions() as session:
        row = shift_in_week(session, world, 2)
        taker = taker_for(session, row)
        swap = swaps.offer(session, row.id, row.person_id, None, NOW)
        add_leave(session, taker, row)  # entered after the offer was made
        session.commit()
        before = snapshot(session)
        error = refused(swaps.accept, session, swap.id, taker, NOW)
        assert (
            "is on leave 2027-01-18 09:00 – 2027-01-25 09:00 (UTC) but holds primary"
            in error.message
        )
        assert [v.rule for v in error.violations] == ["leave"]
        assert snapshot(session) == before
        # Offered by name, the rulebook says no at once.
        assert (
            "is on leave"
            in refused(swaps.offer, session, row.id, row.person_id, taker, NOW).message
        )
        assert snapshot(session) == before


def test_a_taker_who_is_not_a_member_is_refused(sessions, world):
    with sessions() as session:
        row = shift_in_week(session, world, 1)
        before = snapshot(session)
        error = refused(swaps.offer, session, row.id, row.person_id, world.people["olga"], NOW)
        assert "Olga is not a member of Ops but holds primary on Ops" in error.message
        assert "membership" in {v.rule for v in error.violations}
        assert snapshot(session) == before


def test_a_swap_that_breaks_rest_is_refused(sessions, world):
    with sessions() as session:
        row = shift_in_week(session, world, 1)
        next_week = shift_in_week(session, world, 2, role="secondary")  # a week's rest is needed
        before = snapshot(session)
        error = refused(swaps.offer, session, row.id, row.person_id, next_week.person_id, NOW)
        assert "has only 0h off between" in error.message and "needs at least 7d" in error.message
        assert "rest" in {v.rule for v in error.violations}
        assert snapshot(session) == before


def test_trainee_rules_are_kept(sessions, world):
    with sessions() as session:
        shadow = shifts(session, world, "ops", "shadow")[0]
        tia = shadow.person_id
        assert tia == world.people["tia"]
        beside = shift_in_week(session, world, week(shadow), role="primary")
        before = snapshot(session)
        # Only trainees shadow.
        error = refused(swaps.offer, session, shadow.id, tia, beside.person_id, NOW)
        assert "is not a trainee; only trainees shadow" in error.message
        # A trainee carries the pager only after shadowing and backing up.
        error = refused(swaps.offer, session, beside.id, beside.person_id, tia, NOW)
        assert "Tia is a trainee and holds primary" in error.message
        assert snapshot(session) == before


def test_nobody_is_on_call_twice_at_once_across_teams(sessions, world):
    with sessions() as session:
        ana = world.people["ana"]
        mine = next(
            r
            for r in shifts(session, world, "ops") + shifts(session, world, "db")
            if r.person_id == ana
        )
        other_team = "db" if mine.team.key == "ops" else "ops"
        same_week = shift_in_week(session, world, week(mine), team=other_team)
        before = snapshot(session)
        error = refused(swaps.offer, session, same_week.id, same_week.person_id, ana, NOW)
        assert "Ana is on call twice at once" in error.message
        assert snapshot(session) == before


def test_a_problem_already_in_the_plan_does_not_block_other_swaps(sessions, world):
    with sessions() as session:
        # Leave entered after publishing breaks the plan in week 1 ...
        stuck = shift_in_week(session, world, 1)
        add_leave(session, stuck.person_id, stuck)
        session.commit()
        assert [v.rule for v in violations(session, world.plan_id)] == ["leave"]
        # ... but a swap in week 2 introduces nothing, so it goes ahead ...
        row = shift_in_week(session, world, 3)
        taker = taker_for(session, row)
        assert swaps.preview(session, row.id, taker).violations == []
        swap = swaps.offer(session, row.id, row.person_id, taker, NOW)
        swaps.accept(session, swap.id, taker, NOW)
        session.commit()
        assert session.get(AssignmentRow, row.id).person_id == taker
        # ... and the old problem is still the only one, for the manager to re-plan.
        assert [v.rule for v in violations(session, world.plan_id)] == ["leave"]


def test_rest_across_the_next_published_plan_counts(sessions, world):
    with sessions.begin() as session:
        next_plan = publish_plan(session, world.org_id, START + timedelta(weeks=WEEKS), WEEKS, NOW)
    with sessions() as session:
        last = shift_in_week(session, world, WEEKS - 1)
        first_next = shifts(session, world, "ops", "primary", plan_id=next_plan)[0]
        assert week(first_next) == WEEKS
        before = snapshot(session)
        error = refused(swaps.offer, session, last.id, last.person_id, first_next.person_id, NOW)
        assert "needs at least 7d" in error.message
        assert snapshot(session) == before


def test_only_future_shifts_are_swapped(sessions, world):
    with sessions() as session:
        row = shift_in_week(session, world, 1)
        taker = taker_for(session, row)
        swap = swaps.offer(session, row.id, row.person_id, taker, NOW)
        session.commit()
        before = snapshot(session)
        started = row.start + timedelta(minutes=1)
        error = refused(swaps.accept, session, swap.id, taker, started)
        assert "Primary on Ops, Mon 2027-01-11 09:00 (UTC) has already started" in error.message
        assert snapshot(session) == before
        error = refused(swaps.offer, session, row.id, row.person_id, None, row.start)
        assert "only future shifts can be swapped" in error.message
        other = shift_in_week(session, world, 3)
        error = refused(swaps.propose_trade, session, other.id, row.id, other.person_id, started)
        assert "has already started" in error.message
        assert snapshot(session) == before


# --- who may do what ----------------------------------------------------------------------------


def test_only_the_holder_offers_and_only_the_named_teammate_answers(sessions, world):
    with sessions() as session:
        row = shift_in_week(session, world, 2)
        holder, taker, other = row.person_id, taker_for(session, row, 0), taker_for(session, row, 1)
        assert (
            "Only the person who holds"
            in refused(swaps.offer, session, row.id, taker, None, NOW).message
        )
        assert "to yourself" in refused(swaps.offer, session, row.id, holder, holder, NOW).message
        swap = swaps.offer(session, row.id, holder, taker, NOW)
        session.commit()
        assert (
            "already on offer" in refused(swaps.offer, session, row.id, holder, taker, NOW).message
        )
        assert "someone else" in refused(swaps.accept, session, swap.id, other, NOW).message
        assert (
            "Only the person an offer"
            in refused(swaps.decline, session, swap.id, other, NOW).message
        )
        assert (
            "Only the person who made"
            in refused(swaps.cancel, session, swap.id, taker, NOW).message
        )

        swaps.decline(session, swap.id, taker, NOW)
        session.commit()
        assert session.get(SwapRow, swap.id).status == "declined"
        assert "declined" in refused(swaps.accept, session, swap.id, taker, NOW).message

        again = swaps.offer(session, row.id, holder, None, NOW)
        swaps.cancel(session, again.id, holder, NOW)
        session.commit()
        assert session.get(SwapRow, again.id).status == "cancelled"
        assert "withdrawn" in refused(swaps.accept, session, again.id, taker, NOW).message
        assert session.get(AssignmentRow, row.id).person_id == holder
        actions = [a.action for a in session.scalars(select(AuditRow).order_by(AuditRow.id))]
        assert actions[-4:] == ["swap.offer", "swap.decline", "swap.offer", "swap.cancel"]


def test_accepting_closes_the_other_offers_of_the_shift(sessions, world):
    with sessions() as session:
        row = shift_in_week(session, world, 2)
        first, second = taker_for(session, row, 0), taker_for(session, row, 1)
        to_first = swaps.offer(session, row.id, row.person_id, first, NOW)
        to_second = swaps.offer(session, row.id, row.person_id, second, NOW)
        swaps.accept(session, to_first.id, first, NOW)
        session.commit()
        assert session.get(SwapRow, to_second.id).status == "cancelled"
        error = refused(swaps.accept, session, to_second.id, second, NOW)
        assert error.message == f"The shift changed meanwhile (swap #{to_first.id} moved it)."


# --- approval ---------------------------------------------------------------------------------


@pytest.fixture
def approval(sessions, world):
    """Make Ops ask for approval; return (manager user id, plain engineer user id)."""
    with sessions.begin() as session:
        session.execute(
            update(TeamRow).where(TeamRow.key == "ops").values(swaps_need_approval=True)
        )
        manager = accounts.add_user(
            session,
            "mona",
            "pw-mona-123",
            manages=("ops",),
            org_id=world.org_id,
            actor="test",
            now=NOW,
        )
        engineer = accounts.add_user(
            session,
            "eng",
            "pw-eng-1234",
            person_key="ben",
            org_id=world.org_id,
            actor="test",
            now=NOW,
        )
        return manager.id, engineer.id


def test_a_team_that_asks_for_approval_waits_for_its_manager(sessions, world, approval):
    manager, engineer = approval
    with sessions() as session:
        row = shift_in_week(session, world, 2)
        holder, taker = row.person_id, taker_for(session, row)
        swap = swaps.offer(session, row.id, holder, taker, NOW)
        swaps.accept(session, swap.id, taker, NOW)
        session.commit()
        assert (swap.status, swap.accepted_by_id) == ("awaiting_approval", taker)
        assert session.get(AssignmentRow, row.id).person_id == holder  # nothing moves yet
        assert swaps.awaiting_approval_for(session, manager) == [swap]
        assert swaps.awaiting_approval_for(session, engineer) == []
        assert swaps.TAKEN == refused(swaps.accept, session, swap.id, taker, NOW).message

        before = snapshot(session)
        assert "Only a manager" in refused(swaps.approve, session, swap.id, engineer, NOW).message
        assert snapshot(session) == before

        swaps.approve(session, swap.id, manager, NOW)
        session.commit()
        assert swap.status == "accepted"
        assert session.get(AssignmentRow, row.id).person_id == taker
        entry = session.scalars(select(AuditRow).where(AuditRow.action == "swap.approve")).one()
        assert entry.actor == "mona"
        assert violations(session, world.plan_id) == []


@pytest.mark.parametrize("party", ["holder", "taker"])
def test_nobody_approves_a_swap_they_are_part_of(sessions, world, approval, party):
    with sessions() as session:
        row = shift_in_week(session, world, 2)
        holder, taker = row.person_id, taker_for(session, row)
        swap = swaps.offer(session, row.id, holder, None, NOW)
        swaps.accept(session, swap.id, taker, NOW)
        key = world.key_of(holder if party == "holder" else taker)
        boss = accounts.add_user(
            session, "boss", None, key, manages=("ops",), org_id=world.org_id, actor="t", now=NOW
        )
        session.commit()
        before = snapshot(session)
        error = refused(swaps.approve, session, swap.id, boss.id, NOW)
        assert "part of this swap" in error.message
        assert snapshot(session) == before
        assert swap.status == "awaiting_approval"


def test_a_manager_refuses_and_nothing_moves(sessions, world, approval):
    manager, _ = approval
    with sessions() as session:
        row = shift_in_week(session, world, 2)
        taker = taker_for(session, row)
        swap = swaps.offer(session, row.id, row.person_id, taker, NOW)
        swaps.accept(session, swap.id, taker, NOW)
        swaps.refuse(session, swap.id, manager, NOW, reason="Not during the launch.")
        session.commit()
        assert (swap.status, swap.reason) == ("refused", "Not during the launch.")
        assert session.get(AssignmentRow, row.id).revision == 0
        assert "refused" in refused(swaps.approve, session, swap.id, manager, NOW).message


def test_approval_runs_the_rulebook_again(sessions, world, approval):
    manager, _ = approval
    with sessions() as session:
        row = shift_in_week(session, world, 2)
        taker = taker_for(session, row)
        swap = swaps.offer(session, row.id, row.person_id, taker, NOW)
        swaps.accept(session, swap.id, taker, NOW)
        add_leave(session, taker, row)  # the taker books leave while the manager is away
        session.commit()
        before = snapshot(session)
        assert "is on leave" in refused(swaps.approve, session, swap.id, manager, NOW).message
        assert snapshot(session) == before
        assert session.get(SwapRow, swap.id).status == "awaiting_approval"


# --- preview and suggestions --------------------------------------------------------------------


def test_preview_shows_the_fairness_effect_and_changes_nothing(sessions, world):
    with sessions() as session:
        row = shift_in_week(session, world, 2)
        holder, taker_id = row.person, taker_for(session, row)
        before = snapshot(session)
        result = swaps.preview(session, row.id, taker_id)
        assert result.allowed and result.violations == []
        giver, receiver = result.fairness
        assert giver.person_key == holder.key and receiver.person_key == world.key_of(taker_id)
        assert giver.ratio_after < giver.ratio_before
        assert receiver.ratio_after > receiver.ratio_before
        # Points move, the total does not: what one loses, the other gains (shares are equal).
        assert giver.ratio_before - giver.ratio_after == pytest.approx(
            receiver.ratio_after - receiver.ratio_before
        )
        bad = swaps.preview(session, row.id, shift_in_week(session, world, 3).person_id)
        assert not bad.allowed and "rest" in {v.rule for v in bad.violations}
        assert snapshot(session) == before


def test_preview_of_a_trade(sessions, world):
    with sessions() as session:
        w = trained_crew_week(session, world)
        primary = shift_in_week(session, world, w, role="primary")
        secondary = shift_in_week(session, world, w, role="secondary")
        result = swaps.preview(session, primary.id, None, secondary.id)
        assert result.violations == []
        changes = {c.person_key: c for c in result.fairness}
        assert set(changes) == {primary.person.key, secondary.person.key}
        assert changes[primary.person.key].ratio_after < changes[primary.person.key].ratio_before


def test_suggestions_pass_the_rulebook_least_damage_first(sessions, world):
    with sessions() as session:
        row = shift_in_week(session, world, 2)
        suggestions = swaps.suggest_takers(session, row.id, limit=10)
        assert suggestions
        blocked = (
            holders(session, world, "ops", 1)
            | holders(session, world, "ops", 2)
            | holders(session, world, "ops", 3)
        )
        for s in suggestions:
            assert s.person_id not in blocked and s.person_key != "olga"
            assert swaps.preview(session, row.id, s.person_id).violations == []
        order = [(s.max_ratio_after, s.ratio_after) for s in suggestions]
        assert order == sorted(order)
        assert len(swaps.suggest_takers(session, row.id, limit=1)) == 1


# --- the compare-and-set itself ---------------------------------------------------------------


def race_after_judging(monkeypatch, session, statement):
    """Run `statement` in the accepting transaction right after the rulebook said yes.

    It stands for another transaction that changed the rows between our read and our write.
    """
    judge = swaps.carry_out.refuse_if_broken

    def judged_then_raced(board, changes):
        judge(board, changes)
        session.execute(statement)

    monkeypatch.setattr(swaps.carry_out, "refuse_if_broken", judged_then_raced)


def test_a_shift_changed_between_judging_and_writing_is_refused(sessions, world, monkeypatch):
    with sessions() as session:
        row = shift_in_week(session, world, 2)
        taker = taker_for(session, row)
        swap = swaps.offer(session, row.id, row.person_id, taker, NOW)
        session.commit()
        before = snapshot(session)
        bump = update(AssignmentRow).where(AssignmentRow.id == row.id).values(revision=7)
        race_after_judging(monkeypatch, session, bump)
        assert refused(swaps.accept, session, swap.id, taker, NOW).message == swaps.CHANGED
        assert snapshot(session) == before  # the stand-in's write went back too


def test_an_offer_taken_between_judging_and_writing_is_refused(sessions, world, monkeypatch):
    with sessions() as session:
        row = shift_in_week(session, world, 2)
        taker = taker_for(session, row)
        swap = swaps.offer(session, row.id, row.person_id, None, NOW)
        session.commit()
        before = snapshot(session)
        taken = update(SwapRow).where(SwapRow.id == swap.id).values(status="accepted")
        race_after_judging(monkeypatch, session, taken)
        assert refused(swaps.accept, session, swap.id, taker, NOW).message == swaps.TAKEN
        assert snapshot(session) == before
