"""The rulebook: a valid plan passes, and each hard rule, broken alone, fires alone."""

from __future__ import annotations

import ast
import dataclasses
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from scheduler.domain import rules
from scheduler.domain.model import (
    Assignment,
    Horizon,
    Leave,
    Org,
    Person,
    Plan,
    Problem,
    Rotation,
    Slot,
    Team,
    Trainee,
)
from scheduler.domain.rules import RULES, RuleViolationError, assert_valid, check
from scheduler.domain.shifts import local_midnight, make_problem, team_shifts

NY = "America/New_York"
START = date(2027, 2, 1)  # a Monday; four weekly shifts, handoff Monday 10:00 New York
NAMES = {
    "alice": "Alice Chen",
    "bob": "Bob Li",
    "carol": "Carol Diaz",
    "dan": "Dan Ek",
    "erin": "Erin Fox",
    "frank": "Frank Gold",
    "gina": "Gina Hart",
    "hugo": "Hugo Ives",
    "omar": "Omar Quinn",
}
TRAINED = ("alice", "bob", "carol", "dan", "erin", "frank")

# Week by week: (primary, secondary, shadow). Gina, the trainee, shadows, then backs up.
VALID_WEEKS = [
    ("alice", "bob", "gina"),
    ("carol", "dan", None),
    ("erin", "gina", None),
    ("frank", "alice", None),
]


def person(pid: str, **fields) -> Person:
    return Person(id=pid, name=NAMES.get(pid, pid.title()), timezone=NY, **fields)


def search_team(members=(*TRAINED, "gina"), **rotation) -> Team:
    rotation = {"min_roster": 6, "min_rest": timedelta(days=7), **rotation}
    return Team(
        id="search",
        name="Search",
        timezone=NY,
        members=tuple(members),
        rotation=Rotation(shift="weekly", handoff=time(10, 0), **rotation),
    )


def search_org(**fields) -> Org:
    people = [person(p) for p in TRAINED]
    people += [person("gina", trainee=Trainee(shadows=1, secondaries=1)), person("omar")]
    base = {"name": "Acme", "timezone": NY, "people": tuple(people), "teams": (search_team(),)}
    return Org(**{**base, **fields})


def weekly_plan(problem: Problem, weeks, team: str = "search") -> Plan:
    """Turn (primary, secondary, shadow) per week into a plan on the team's shifts."""
    assignments = []
    for shift, names in zip(problem.shifts_of(team), weeks, strict=True):
        for role, pid in zip(("primary", "secondary", "shadow"), names, strict=False):
            if pid is not None:
                assignments.append(Assignment(shift=shift, role=role, person=pid))
    return Plan(assignments=tuple(assignments))


def valid(org: Org | None = None, weeks=VALID_WEEKS) -> tuple[Problem, Plan]:
    problem = make_problem(org or search_org(), START, 4)
    return problem, weekly_plan(problem, weeks)


def replace_person(org: Org, pid: str, **fields) -> Org:
    people = tuple(dataclasses.replace(p, **fields) if p.id == pid else p for p in org.people)
    return dataclasses.replace(org, people=people)


def fired(problem: Problem, plan: Plan) -> set[str]:
    return {v.rule for v in check(problem, plan)}


def only(problem: Problem, plan: Plan, rule: str) -> list[str]:
    """Assert that `rule` and no other fires; return its messages."""
    violations = check(problem, plan)
    assert {v.rule for v in violations} == {rule}, [v.message for v in violations]
    return [v.message for v in violations]


def week(problem: Problem, n: int):
    return problem.shifts_of("search")[n]


# --- the valid plan --------------------------------------------------------------------------


def test_valid_plan_has_no_violations():
    problem, plan = valid()
    assert len(problem.shifts) == 4
    assert check(problem, plan) == []
    assert_valid(problem, plan)


def test_registry_lists_every_rule_once_with_a_label():
    ids = [rule.id for rule in RULES]
    assert ids == [
        "coverage",
        "overlap",
        "leave",
        "rest",
        "roster",
        "training",
        "membership",
        "site",
    ]
    assert all(rule.label and callable(rule.function) for rule in RULES)


def test_rulebook_never_imports_a_solver():
    tree = ast.parse(Path(rules.__file__).read_text())
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not any(name and name.startswith("ortools") for name in imported)


# --- one test per hard rule: break it alone, see it alone -------------------------------------


def test_coverage_two_people_in_one_role():
    problem, plan = valid()
    extra = Assignment(shift=week(problem, 3), role="secondary", person="dan")
    messages = only(problem, Plan(plan.assignments + (extra,)), "coverage")
    assert "Alice Chen and Dan Ek all hold secondary" in messages[0]
    assert messages[0].startswith("Search, shift Mon 2027-02-22 10:00 – Mon 2027-03-01 10:00")


def test_coverage_nobody_in_a_role():
    problem, plan = valid()
    dropped = Assignment(shift=week(problem, 3), role="secondary", person="alice")
    plan = Plan(tuple(a for a in plan.assignments if a != dropped))
    (message,) = only(problem, plan, "coverage")
    assert message == (
        "Search, shift Mon 2027-02-22 10:00 – Mon 2027-03-01 10:00 (America/New_York): "
        "nobody holds secondary; it takes exactly one."
    )


def test_coverage_role_the_rotation_does_not_have():
    org = search_org(teams=(search_team(roles=("primary",)),))
    weeks = [(p, None, s) for p, _, s in VALID_WEEKS]
    weeks[1] = ("carol", None, None)
    problem, plan = valid(org, weeks)
    extra = Assignment(shift=week(problem, 1), role="secondary", person="dan")
    (message,) = only(problem, Plan(plan.assignments + (extra,)), "coverage")
    assert "Dan Ek holds secondary on Search" in message
    assert "no secondary role" in message


def test_coverage_shift_outside_the_horizon():
    problem, plan = valid()
    later = team_shifts(search_team(), Horizon(START, 5))[4]
    extra = Assignment(shift=later, role="primary", person="dan")
    (message,) = only(problem, Plan(plan.assignments + (extra,)), "coverage")
    assert "Dan Ek holds primary on Search, shift Mon 2027-03-01 10:00" in message


def test_coverage_at_most_one_shadow():
    org = search_org(people=search_org().people + (person("hugo", trainee=Trainee(shadows=1)),))
    org = dataclasses.replace(org, teams=(search_team(members=(*TRAINED, "gina", "hugo")),))
    problem, plan = valid(org)
    extra = Assignment(shift=week(problem, 0), role="shadow", person="hugo")
    (message,) = only(problem, Plan(plan.assignments + (extra,)), "coverage")
    assert "Gina Hart and Hugo Ives all hold shadow; it takes at most one" in message


def test_overlap_one_role_per_shift():
    weeks = [*VALID_WEEKS[:3], ("frank", "frank", None)]
    (message,) = only(*valid(weeks=weeks), "overlap")
    assert "Frank Gold holds primary and secondary on Search" in message


def test_overlap_across_two_teams():
    ic = Team(
        id="ic",
        name="Incident command",
        timezone="Europe/Dublin",
        members=("alice", "ivan", "jack"),
        rotation=Rotation(shift="weekly", handoff=time(9, 0), roles=("primary",)),
    )
    people = search_org().people + (person("ivan"), person("jack"))
    org = search_org(people=people, teams=(search_team(), ic))
    problem, plan = valid(org)
    ic_weeks = [("ivan",), ("jack",), ("ivan",), ("jack",)]
    two_teams = Plan(plan.assignments + weekly_plan(problem, ic_weeks, team="ic").assignments)
    assert check(problem, two_teams) == []

    ic_weeks[0] = ("alice",)
    clash = Plan(plan.assignments + weekly_plan(problem, ic_weeks, team="ic").assignments)
    (message,) = only(problem, clash, "overlap")
    assert message == (
        "Alice Chen is on call twice at once: primary on Incident command, shift "
        "Mon 2027-02-01 09:00 – Mon 2027-02-08 09:00 (Europe/Dublin) overlaps primary on "
        "Search, shift Mon 2027-02-01 10:00 – Mon 2027-02-08 10:00 (America/New_York)."
    )


def test_leave():
    away = Leave(
        "carol", local_midnight(date(2027, 2, 10), NY), local_midnight(date(2027, 2, 12), NY)
    )
    (message,) = only(*valid(search_org(leave=(away,))), "leave")
    assert message.startswith("Carol Diaz is on leave 2027-02-10 – 2027-02-11 but holds primary")
    assert "Search, shift Mon 2027-02-08 10:00" in message


def test_leave_that_ends_before_the_shift_is_fine():
    away = Leave(
        "carol", local_midnight(date(2027, 2, 7), NY), local_midnight(date(2027, 2, 8), NY)
    )
    assert check(*valid(search_org(leave=(away,)))) == []


def test_rest():
    weeks = [*VALID_WEEKS[:3], ("frank", "erin", None)]
    (message,) = only(*valid(weeks=weeks), "rest")
    assert message.startswith("Erin Fox has only 0h off between primary on Search")
    assert message.endswith("needs at least 7d.")


def test_rest_counts_history_but_never_judges_it():
    past = team_shifts(search_team(), Horizon(date(2027, 1, 11), 3))
    history = (
        Assignment(shift=past[0], role="primary", person="carol"),  # back to back with ...
        Assignment(shift=past[1], role="primary", person="carol"),  # ... this: past, not ours
        Assignment(shift=past[2], role="primary", person="bob"),  # ends as bob's week 1 starts
    )
    (message,) = only(*valid(search_org(history=history)), "rest")
    assert message.startswith(
        "Bob Li has only 0h off between primary on Search, shift Mon 2027-01-25 10:00 – "
        "Mon 2027-02-01 10:00 (America/New_York) (past) and secondary on Search"
    )


def test_roster_too_few_trained_members():
    org = search_org(teams=(search_team(min_roster=7),))
    (message,) = only(*valid(org), "roster")
    assert message.startswith("Search has 6 trained members (Alice Chen, Bob Li,")
    assert message.endswith("but its rotation needs at least 7.")


def test_roster_plan_uses_too_few_trained_members():
    weeks = [VALID_WEEKS[0], ("carol", "frank", None), *VALID_WEEKS[2:]]
    (message,) = only(*valid(weeks=weeks), "roster")
    assert "Search: the plan puts only 5 trained members on primary and secondary" in message
    assert message.endswith("not on call: Dan Ek.")


def test_roster_asks_no_more_people_than_the_horizon_has_slots():
    problem = make_problem(search_org(), START, 1)
    plan = weekly_plan(problem, [("alice", "bob", "gina")])
    assert "roster" not in fired(problem, plan)


def test_training_shadow_beside_a_trainee_primary():
    hugo = person("hugo", trainee=Trainee(shadows=1, secondaries=0))
    org = search_org(
        people=search_org().people + (hugo,),
        teams=(search_team(members=(*TRAINED, "gina", "hugo")),),
    )
    weeks = [
        ("alice", "bob", "hugo"),
        ("carol", "dan", None),
        ("hugo", "erin", "gina"),
        ("frank", "alice", None),
    ]
    (message,) = only(*valid(org, weeks), "training")
    assert message.startswith("Gina Hart shadows on Search, shift Mon 2027-02-15 10:00")
    assert message.endswith("beside Hugo Ives, who is a trainee; a shadow needs a trained primary.")


def test_training_secondary_before_shadows_ended():
    weeks = [
        ("alice", "gina", None),
        ("carol", "dan", None),
        ("erin", "bob", "gina"),
        ("frank", "alice", None),
    ]
    (message,) = only(*valid(weeks=weeks), "training")
    assert message.startswith("Gina Hart is a trainee and holds secondary on Search")
    assert message.endswith("before their shadow shifts have ended.")


def test_training_primary_before_secondaries_ended():
    weeks = [*VALID_WEEKS[:2], ("gina", "erin", None), VALID_WEEKS[3]]
    (message,) = only(*valid(weeks=weeks), "training")
    assert message.startswith("Gina Hart is a trainee and holds primary on Search")
    assert message.endswith("after only 0 of the 1 secondary shift they need first.")


def test_training_exact_number_of_shadows():
    weeks = [("alice", "bob", None), *VALID_WEEKS[1:]]
    (message,) = only(*valid(weeks=weeks), "training")
    assert message == (
        "Gina Hart (trainee on Search) has 0 shadow shifts in the plan; needs exactly 1."
    )


def test_training_only_trainees_shadow():
    weeks = [VALID_WEEKS[0], ("carol", "dan", "frank"), *VALID_WEEKS[2:]]
    (message,) = only(*valid(weeks=weeks), "training")
    assert "Frank Gold holds shadow on Search" in message
    assert message.endswith("but is not a trainee; only trainees shadow.")


def test_membership_non_member():
    weeks = [*VALID_WEEKS[:3], ("frank", "omar", None)]
    (message,) = only(*valid(weeks=weeks), "membership")
    assert message.startswith("Omar Quinn is not a member of Search but holds secondary")


def test_membership_not_before_joined():
    org = replace_person(search_org(), "frank", joined=date(2027, 2, 25))
    (message,) = only(*valid(org), "membership")
    assert message.startswith("Frank Gold joins on 2027-02-25 but holds primary on Search")


def test_membership_from_the_joined_day_on():
    org = replace_person(search_org(), "frank", joined=date(2027, 2, 22))
    assert check(*valid(org)) == []


# --- follow-the-sun --------------------------------------------------------------------------


def sun_problem() -> tuple[Problem, Plan]:
    people = (
        Person("eva", "Eva Novak", "Europe/Dublin", site="emea"),
        Person("emil", "Emil Berg", "Europe/Dublin", site="emea"),
        Person("abe", "Abe Cruz", NY, site="amer"),
        Person("ana", "Ana Ruiz", NY, site="amer"),
    )
    slots = (Slot(time(8), time(20), site="emea"), Slot(time(20), time(8), site="amer"))
    ops = Team(
        id="ops",
        name="Ops",
        timezone="UTC",
        members=tuple(p.id for p in people),
        rotation=Rotation(
            shift="daily", handoff=time(8), roles=("primary",), min_roster=2, slots=slots
        ),
    )
    org = Org(name="Acme", timezone="UTC", people=people, teams=(ops,))
    problem = make_problem(org, START, 1)
    by_site = {"emea": "eva", "amer": "abe"}
    plan = Plan(tuple(Assignment(s, "primary", by_site[s.site]) for s in problem.shifts))
    return problem, plan


def test_follow_the_sun_valid_plan():
    problem, plan = sun_problem()
    assert len(problem.shifts) == 14
    assert check(problem, plan) == []


def test_follow_the_sun_site_mismatch():
    problem, plan = sun_problem()
    night = problem.shifts[3]
    assert night.site == "amer"
    plan = Plan(
        tuple(
            dataclasses.replace(a, person="eva") if a.shift == night else a
            for a in plan.assignments
        )
    )
    (message,) = only(problem, plan, "site")
    assert message == (
        "Eva Novak (site emea) holds primary on Ops, shift Tue 2027-02-02 20:00 – "
        "Wed 2027-02-03 08:00 (UTC, amer slot), a slot only people of site amer take."
    )


def test_coverage_secondary_on_a_primary_only_slot():
    problem, plan = sun_problem()
    extra = Assignment(problem.shifts[1], "secondary", "ana")
    (message,) = only(problem, Plan(plan.assignments + (extra,)), "coverage")
    assert message.startswith("Ana Ruiz holds secondary on Ops")


# --- the whole rulebook ----------------------------------------------------------------------


def test_check_is_deterministic_and_sorted():
    problem, plan = valid(search_org(teams=(search_team(min_roster=7),)))
    weeks = [("alice", "gina", None), ("carol", "carol", None), *VALID_WEEKS[2:]]
    broken = weekly_plan(problem, weeks)
    forwards = check(problem, broken)
    backwards = check(problem, Plan(tuple(reversed(broken.assignments))))
    assert forwards == backwards
    assert len({v.rule for v in forwards}) > 2
    starts = [v.start for v in forwards if v.start is not None]
    assert starts == sorted(starts)


def test_assert_valid_raises_with_the_messages():
    weeks = [*VALID_WEEKS[:3], ("frank", "erin", None)]
    problem, plan = valid(weeks=weeks)
    with pytest.raises(RuleViolationError) as raised:
        assert_valid(problem, plan)
    assert [v.rule for v in raised.value.violations] == ["rest"]
    assert str(raised.value) == raised.value.violations[0].message
    assert "Erin Fox" in str(raised.value)


def test_counts_in_sentences_agree_with_their_number() -> None:
    from scheduler.domain.text import is_are, plural

    assert plural(1, "shadow shift") == "1 shadow shift"
    assert plural(2, "shadow shift") == "2 shadow shifts"
    assert plural(0, "team") == "0 teams"
    assert plural(1, "person", "people") == "1 person"
    assert plural(3, "person", "people") == "3 people"
    assert f"1 of {plural(8, 'member')} {is_are(1)}" == "1 of 8 members is"
    assert f"2 of {plural(8, 'member')} {is_are(2)}" == "2 of 8 members are"


def test_a_refusal_is_one_line_per_broken_rule_in_rulebook_order() -> None:
    from scheduler.domain.rules import Violation, refusal_lines

    def broken(rule: str, message: str) -> Violation:
        return Violation(rule, None, None, None, (), message)

    lines = refusal_lines(
        [
            broken("training", "Tia has 0 shadow shifts."),
            broken("rest", "Ann rests 2d."),
            broken("training", "Tia holds a secondary too early."),
            broken("training", "Tom has 3 shadow shifts."),
        ]
    )
    assert lines == ["Ann rests 2d.", "Tia has 0 shadow shifts. (and 2 more like it)"]
    assert refusal_lines([]) == []
