"""Explanations: infeasible orgs get sentences naming the team, dates, rule and people."""

from __future__ import annotations

import dataclasses
from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.builders import make_person, make_team

from scheduler.domain.eligibility import unavailability
from scheduler.domain.explain import on_call_at_once, precheck
from scheduler.domain.model import INFEASIBLE, Assignment, Horizon, Leave, Org, Problem, Trainee
from scheduler.domain.shifts import local_midnight, make_problem, team_shifts
from scheduler.solve.core import explain, infeasible_core
from scheduler.solve.phases import solve

START = date(2027, 2, 1)  # a Monday
SECONDS = 5.0


def away(person: str, first: date, days: int, zone: str = "UTC") -> Leave:
    return Leave(person, local_midnight(first, zone), local_midnight(first + timedelta(days), zone))


def infeasible(problem: Problem, fast) -> list[str]:
    """Check that the solver finds no plan, and return the explanation."""
    assert solve(problem, fast).status == INFEASIBLE
    sentences = explain(problem, time_limit=SECONDS)
    assert sentences and all(isinstance(s, str) and s for s in sentences)
    return sentences


def test_feasible_problem_has_nothing_to_explain(small_team_org) -> None:
    problem = make_problem(small_team_org(3), START, 2)
    assert precheck(problem) == []
    assert explain(problem, time_limit=SECONDS) == []


def test_roster_smaller_than_min_roster(fast, small_team_org) -> None:
    org = small_team_org(
        ["ann", "bob", "cat", "tia"],
        trainees={"tia": Trainee(shadows=1)},
        team_fields=dict(min_roster=4),
    )
    [sentence] = infeasible(make_problem(org, START, 4), fast)
    assert sentence.startswith("ops:")
    assert "roster" in sentence
    assert "at least 4 trained members" in sentence
    assert "has 3 (Ann, Bob, Cat)" in sentence
    assert "1 trainee" in sentence


def test_a_week_where_everyone_is_on_leave(fast, small_team_org) -> None:
    # Handoff Monday 00:00, so the leave covers exactly the shift of the week of 8 February.
    org = small_team_org(
        ["ann", "bob", "cat"],
        team_fields=dict(handoff=time(0, 0)),
        leave=tuple(away(p, date(2027, 2, 8), 7) for p in ("ann", "bob", "cat")),
    )
    [sentence] = infeasible(make_problem(org, START, 4), fast)
    assert sentence.startswith("ops, week of 2027-02-08")
    assert "3 of 3 members are on leave" in sentence
    assert "(Ann, Bob, Cat)" in sentence


def test_most_of_the_team_on_leave_names_who_and_how_many(fast, small_team_org) -> None:
    org = small_team_org(
        ["ann", "bob", "cat", "dan", "eve"],
        team_fields=dict(roles=("primary", "secondary"), handoff=time(0, 0)),
        leave=tuple(away(p, date(2027, 2, 15), 7) for p in ("ann", "bob", "cat", "dan")),
    )
    sentences = infeasible(make_problem(org, START, 4), fast)
    assert len(sentences) == 1
    assert "ops, week of 2027-02-15: needs 2 on call" in sentences[0]
    assert "4 of 5 members are on leave (Ann, Bob, Cat, Dan)" in sentences[0]


def test_leave_and_rest_after_history_are_both_named(fast, small_team_org) -> None:
    org = small_team_org(["ann", "bob"], team_fields=dict(min_rest=timedelta(days=7)))
    last = team_shifts(org.teams[0], Horizon(start=START - timedelta(days=7), weeks=1))[0]
    org = dataclasses.replace(
        org, history=(Assignment(last, "primary", "ann"),), leave=(away("bob", START, 7),)
    )
    [sentence] = infeasible(make_problem(org, START, 2), fast)
    assert sentence.startswith("ops, week of 2027-02-01")
    assert "resting after their last shift (Ann)" in sentence
    assert "on leave (Bob)" in sentence


def test_trainee_with_no_trained_teammate(fast, small_team_org) -> None:
    # Tia's only team is Tom, another trainee; Ann is trained but in another team.
    org = small_team_org(
        ["tia", "tom"], trainees={"tia": Trainee(shadows=2), "tom": Trainee(shadows=1)}
    )
    org = dataclasses.replace(
        org,
        people=(*org.people, make_person("ann")),
        teams=(*org.teams, make_team("solo", ["ann"])),
    )
    sentences = infeasible(make_problem(org, START, 4), fast)
    training = [s for s in sentences if s.startswith("training:")]
    assert any("Tia must shadow 2 shifts" in s and "trained" in s for s in training)
    assert any("Tom must shadow 1 shift beside" in s for s in training)
    # The roster rule speaks too: the team has no trained member at all.
    assert any(s.startswith("ops:") and "has 0" in s and "2 trainee" in s for s in sentences)


def test_trainee_without_enough_open_shifts_to_shadow(fast, small_team_org) -> None:
    org = small_team_org(
        ["ann", "bob", "tia"],
        trainees={"tia": Trainee(shadows=2)},
        leave=(away("tia", START + timedelta(days=8), 14),),
    )
    [sentence] = infeasible(make_problem(org, START, 3), fast)
    assert sentence.startswith("training: Tia must shadow 2 shifts")
    assert "available for only 1" in sentence


def test_rest_rule_too_strict(fast, small_team_org) -> None:
    org = small_team_org(
        3, team_fields=dict(roles=("primary", "secondary"), min_rest=timedelta(days=7))
    )
    [sentence] = infeasible(make_problem(org, START, 4), fast)
    assert sentence.startswith("ops:")
    assert "rest rule (min_rest 7d)" in sentence
    assert "3 members take at most 6 of the 8 places" in sentence


def shared_org() -> Org:
    """Sam sits in two weekly rotations; in the week of 8 February, Ann and Bob are away.

    Handoffs at Monday 00:00, so that week's leave blocks exactly that week's shifts.
    """
    people = tuple(make_person(p) for p in ("sam", "ann", "bob"))
    teams = (
        make_team("apps", ["sam", "ann"], handoff=time(0, 0)),
        make_team("infra", ["sam", "bob"], handoff=time(0, 0)),
    )
    leave = (away("ann", date(2027, 2, 8), 7), away("bob", date(2027, 2, 8), 7))
    return Org(name="Acme", timezone="UTC", people=people, teams=teams, leave=leave)


def test_two_teams_fine_alone_but_not_together_are_explained(fast) -> None:
    problem = make_problem(shared_org(), START, 3)
    assert precheck(problem) == [  # counted: Sam alone for two shifts at once
        "apps, infra, week of 2027-02-08: 2 shifts run at once and need 2 people on call, but "
        "only 1 can take them (Sam), and nobody is on call twice at once (Ann, Bob are on "
        "leave); add people to these rotations or stagger their shifts"
    ]
    for team in problem.org.teams:
        alone = dataclasses.replace(problem.org, teams=(team,))
        assert solve(make_problem(alone, START, 3), fast).status != INFEASIBLE
    assert infeasible_core(problem, time_limit=SECONDS), "CP-SAT names the clashing rules"
    sentences = infeasible(problem, fast)
    text = " ".join(sentences)
    assert "apps" in text and "infra" in text
    assert "week of 2027-02-08" in text
    assert "Sam" in text and "Ann" in text and "Bob" in text


def test_core_explanation_blames_overlap_not_a_rest_rule_nobody_set(fast) -> None:
    # Neither team asks for rest: Sam simply cannot hold both Monday shifts at once.
    sentences = infeasible(make_problem(shared_org(), START, 3), fast)
    blamed_rest = [s for s in sentences if "rest rule" in s]
    assert not blamed_rest, f"no rest is required, yet: {blamed_rest}"
    assert any("twice at once" in s or "overlap" in s for s in sentences), sentences


def test_core_explanation_names_a_rest_rule_across_teams(fast) -> None:
    # Bob's leave leaves Sam infra's shift Thu 4 - Thu 11 February; Ann's leave leaves Sam apps'
    # shift from Mon 15 February: four days apart, and apps asks for seven. Each team alone
    # is fine, so counting finds nothing; the CP-SAT core names the rest rule.
    people = tuple(make_person(p) for p in ("sam", "ann", "bob"))
    teams = (
        make_team("apps", ["sam", "ann"], handoff=time(0), min_rest=timedelta(days=7)),
        make_team("infra", ["sam", "bob"], handoff=time(0), weekday=3),
    )
    leave = (away("ann", date(2027, 2, 15), 7), away("bob", date(2027, 2, 4), 7))
    org = Org(name="Acme", timezone="UTC", people=people, teams=teams, leave=leave)
    problem = make_problem(org, START, 3)
    assert precheck(problem) == []
    for team in teams:
        alone = dataclasses.replace(org, teams=(team,))
        assert solve(make_problem(alone, START, 3), fast).status != INFEASIBLE
    sentences = infeasible(problem, fast)
    assert any("rest rule" in s and "apps 7d" in s for s in sentences), sentences


@pytest.mark.parametrize("weeks", [1, 2])
def test_leave_alone_is_not_blamed_on_the_rest_rule(weeks, fast, small_team_org) -> None:
    # No rest is required; the whole team is away for the whole horizon.
    org = small_team_org(
        ["ann", "bob"], leave=(away("ann", START, 7 * weeks), away("bob", START, 7 * weeks))
    )
    sentences = infeasible(make_problem(org, START, weeks), fast)
    for week in range(weeks):
        assert any(
            f"week of {START + timedelta(weeks=week):%Y-%m-%d}" in s
            and "2 of 2 members are on leave (Ann, Bob)" in s
            for s in sentences
        )
    blamed_rest = [s for s in sentences if "rest rule" in s]
    assert not blamed_rest, f"min_rest is 0, yet: {blamed_rest}"


def _overfull_by_brute_force(problem: Problem) -> dict[tuple, list]:
    """The rule of `on_call_at_once` read literally: at every shift start, every pool of the
    running shifts against every running shift (quadratic; for small orgs)."""
    need_of = {}
    for team in problem.org.teams:
        for shift in problem.shifts_of(team.id):
            free = frozenset(m for m in team.members if unavailability(problem, shift, m) is None)
            need_of[shift] = (free, len(team.rotation.roles))
    failing: dict[tuple, list] = {}
    for instant in sorted({s.start for s in need_of}):
        running = [s for s in need_of if s.start <= instant < s.end]
        for pool in {need_of[s][0] for s in running}:
            inside = [s for s in running if need_of[s][0] <= pool]
            need = sum(need_of[s][1] for s in inside)
            if len(inside) > 1 and need > len(pool):
                teams = tuple(sorted({s.team for s in inside}))
                failing.setdefault((teams, pool), []).append((len(inside), need))
    return failing


@st.composite
def crowded(draw) -> Problem:
    """Two to four rotations over four people, daily or weekly, with leave: often a clash."""
    ids = ["ann", "bob", "cat", "dan"]
    teams = tuple(
        make_team(
            f"t{k}",
            draw(st.lists(st.sampled_from(ids), min_size=1, max_size=3, unique=True)),
            shift=draw(st.sampled_from(("weekly", "daily"))),
            handoff=time(draw(st.sampled_from((0, 9, 17))), 0),
            roles=draw(st.sampled_from((("primary",), ("primary", "secondary")))),
        )
        for k in range(draw(st.integers(2, 4)))
    )
    leave = tuple(
        away(draw(st.sampled_from(ids)), START + timedelta(days=draw(st.integers(0, 13))), 3)
        for _ in range(draw(st.integers(0, 3)))
    )
    people = tuple(make_person(p) for p in ids)
    org = Org(name="Acme", timezone="UTC", people=people, teams=teams, leave=leave)
    return make_problem(org, START, 2)


@settings(max_examples=80, deadline=None)
@given(crowded())
def test_the_sweep_finds_what_the_literal_rule_finds(problem) -> None:
    failing = _overfull_by_brute_force(problem)
    sentences = on_call_at_once(problem)
    assert len(sentences) == len(failing)
    for teams, pool in failing:
        moments = failing[(teams, pool)]
        shifts, need = moments[0]
        head = f"{', '.join(teams[:6])}"
        said = f"{shifts} shifts run at once and need {need} people on call, but only {len(pool)}"
        assert any(s.startswith(head) and said in s for s in sentences), (teams, sentences)


def test_a_team_with_fewer_members_than_roles_is_one_sentence_naming_them(
    fast, small_team_org
) -> None:
    org = small_team_org(["ann"], team_fields=dict(roles=("primary", "secondary")))
    sentences = infeasible(make_problem(org, START, 3), fast)
    assert sentences == [
        "ops: needs 2 on call at once (primary, secondary) but has only 1 member (Ann); "
        "add members or drop a role"
    ]


def test_a_short_week_names_who_can_still_take_it(fast, small_team_org) -> None:
    org = small_team_org(
        ["ann", "bob", "cat"],
        team_fields=dict(roles=("primary", "secondary"), handoff=time(0, 0)),
        leave=tuple(away(p, date(2027, 2, 15), 7) for p in ("ann", "bob")),
    )
    [sentence] = infeasible(make_problem(org, START, 4), fast)
    assert sentence.endswith("; 1 can take it (Cat)")
