"""Training carries over: shifts held before count toward a trainee's requirement."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from scheduler.domain.model import Assignment, Shift, Trainee
from scheduler.domain.rules import check
from scheduler.domain.shifts import make_problem
from scheduler.domain.training import carry_over, progress, training_lines
from scheduler.solve import plan_or_explain
from tests.support.builders import FAST, build_small_team_org

START = date(2027, 1, 4)


def _held(person: str, role: str, weeks_before: int) -> Assignment:
    start = datetime(2027, 1, 4, 9, tzinfo=UTC) - timedelta(weeks=weeks_before)
    return Assignment(Shift(start, "ops", start + timedelta(weeks=1)), role, person)


def _org(history=()):
    org = build_small_team_org(
        ["ann", "bob", "cat", "dan", "tia"],
        trainees={"tia": Trainee(shadows=2, secondaries=1)},
        team_fields=dict(roles=("primary", "secondary")),
    )
    return replace(org, history=tuple(history))


def test_progress_counts_ended_shadow_and_secondary_shifts_and_dates_the_last() -> None:
    org = _org()
    held = [_held("tia", "shadow", 4), _held("tia", "shadow", 3), _held("tia", "secondary", 2)]
    found = progress(org.person("tia"), held)
    assert (found.shadows_done, found.secondaries_done, found.trained) == (2, 1, True)
    assert found.trained_on == date(2026, 12, 28)
    assert found.sentence() == "trained on 2026-12-28"
    # Shifts that have not ended by `by` do not count yet.
    partial = progress(org.person("tia"), held, by=held[1].shift.end)
    assert partial.remaining() == Trainee(shadows=0, secondaries=1)
    assert partial.sentence() == "trainee: 2 of 2 shadow shifts done, 0 of 1 secondary shifts done"
    assert progress(org.person("tia"), held[:1]).sentence().startswith("trainee: 1 of 2 shadow")


def test_a_trainee_who_finished_in_history_is_trained_in_the_next_horizon() -> None:
    done = [_held("tia", "shadow", 4), _held("tia", "shadow", 3), _held("tia", "secondary", 2)]
    problem = make_problem(_org(done), START, 4)
    assert not problem.org.person("tia").is_trainee
    # Trained now: no shadow shifts in the new plan, and she may hold primary at once.
    plan = plan_or_explain(problem, FAST).plan
    assert not check(problem, plan)
    assert not [a for a in plan.assignments if a.role == "shadow"]


def test_part_of_the_training_carries_over_and_the_rest_is_planned() -> None:
    problem = make_problem(_org([_held("tia", "shadow", 2)]), START, 6)
    assert problem.org.person("tia").trainee == Trainee(shadows=1, secondaries=1)
    plan = plan_or_explain(problem, FAST).plan
    assert not check(problem, plan)
    assert len([a for a in plan.of_person("tia") if a.role == "shadow"]) == 1
    lines = training_lines(problem.org, plan.assignments)
    assert lines == [lines[0]] and lines[0].startswith("Tia completes training on 2027-")


def test_carry_over_counts_what_started_before_the_horizon() -> None:
    org = _org([_held("tia", "shadow", 1), _held("tia", "shadow", 0)])
    at = datetime(2027, 1, 4, 9, tzinfo=UTC)  # the first ends at it, the second starts at it
    assert carry_over(org, at).person("tia").trainee == Trainee(shadows=1, secondaries=1)
    running = at - timedelta(hours=1)  # the first is still running: it counts
    assert carry_over(org, running).person("tia").trainee == Trainee(shadows=1, secondaries=1)
    assert carry_over(org, at - timedelta(weeks=1)).person("tia").trainee == Trainee(2, 1)
    untouched = _org()
    assert carry_over(untouched, at) is untouched
