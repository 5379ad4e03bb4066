"""Training that carries over: shadow and secondary shifts held before count toward a trainee's
`shadows` and `secondaries` (docs/rules.md#training-that-carries-over).

The one count of a trainee's progress. `carry_over` is applied by `make_problem`, so the file
command, the database, the rulebook, swaps and the explanations all see the same trainee: one
who finished training in an earlier published plan (or in the org file's history) is trained in
later horizons, whatever the org file still says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from scheduler.domain.model import Assignment, Org, Person, Role, Trainee


@dataclass(frozen=True)
class Progress:
    """How far a trainee is: the shifts `needs` asks for, how many of each are done (ended),
    and the local date (person's timezone) the last one needed ended, once all are done."""

    person: str
    needs: Trainee
    shadows_done: int
    secondaries_done: int
    trained_on: date | None

    @property
    def trained(self) -> bool:
        """Tell whether every shadow and secondary shift the trainee needs is done."""
        return (
            self.shadows_done >= self.needs.shadows
            and self.secondaries_done >= self.needs.secondaries
        )

    def remaining(self) -> Trainee | None:
        """Return what is still to do (None: trained)."""
        if self.trained:
            return None
        return Trainee(
            shadows=max(0, self.needs.shadows - self.shadows_done),
            secondaries=max(0, self.needs.secondaries - self.secondaries_done),
        )

    def sentence(self) -> str:
        """Say it the way the pages do: 'trained on 2027-02-14' or
        'trainee: 2 of 3 shadow shifts done, 0 of 1 secondary shifts done'."""
        if self.trained:
            return f"trained on {self.trained_on}" if self.trained_on else "trained"
        parts = []
        if self.needs.shadows:
            parts.append(
                f"{min(self.shadows_done, self.needs.shadows)} of {self.needs.shadows} "
                "shadow shifts done"
            )
        if self.needs.secondaries:
            parts.append(
                f"{min(self.secondaries_done, self.needs.secondaries)} of "
                f"{self.needs.secondaries} secondary shifts done"
            )
        return "trainee: " + ", ".join(parts)


def progress(person: Person, held: Iterable[Assignment], by: datetime | None = None) -> Progress:
    """Count a trainee's shadow and secondary shifts among `held` that ended by `by` (all when
    None), each (shift, role) once; `person.trainee` is what the org file asks.
    Raises ValueError for a non-trainee."""
    if person.trainee is None:
        raise ValueError(f"{person.id} is not a trainee")
    needs = person.trainee
    # One count per (shift, role): a shift both in the file's history and a published plan
    # is one shift.
    mine = {
        (a.shift.team, a.shift.start, a.role): a
        for a in held
        if a.person == person.id and (by is None or a.shift.end <= by)
    }
    ended = sorted(mine.values(), key=lambda a: a.shift.end)
    shadows = [a.shift.end for a in ended if a.role == Role.SHADOW]
    secondaries = [a.shift.end for a in ended if a.role == Role.SECONDARY]
    finished = []
    if needs.shadows:
        finished.append(shadows[needs.shadows - 1] if len(shadows) >= needs.shadows else None)
    if needs.secondaries:
        finished.append(
            secondaries[needs.secondaries - 1] if len(secondaries) >= needs.secondaries else None
        )
    trained_on = None
    if finished and None not in finished:
        trained_on = max(finished).astimezone(ZoneInfo(person.timezone)).date()
    return Progress(person.id, needs, len(shadows), len(secondaries), trained_on)


def carry_over(org: Org, before: datetime) -> Org:
    """Return the org with each trainee's requirement reduced by the shifts their history
    holds that start before `before` (the horizon's start); done trainees become trained.

    A history shift still running at `before` counts: no shift of the horizon that starts
    before it ends can be the trainee's anyway (rule 2: no overlapping assignments).

    The org file's `trainee` is what training asks in all; history (earlier published plans
    and the file's `history`) is what has been done, so re-importing the file never resets it.
    """
    people = []
    changed = False
    for person in org.people:
        if person.trainee is not None:
            held = [a for a in org.history_of(person.id) if a.shift.start < before]
            left = progress(person, held).remaining()
            if left != person.trainee:
                person, changed = replace(person, trainee=left), True
        people.append(person)
    return replace(org, people=tuple(people)) if changed else org


def completed_in(org: Org, assignments: Iterable[Assignment]) -> list[Progress]:
    """Return the progress, through `assignments` (a plan), of every trainee of `org` (the
    problem's org, after `carry_over`), trainees who complete training in it first."""
    held = list(assignments)
    found = [progress(p, held) for p in org.people if p.trainee is not None]
    return sorted(found, key=lambda p: (not p.trained, p.person))


def training_lines(org: Org, assignments: Iterable[Assignment]) -> list[str]:
    """Say which trainees complete training in a plan and how far the others get, by name:
    'Erin Park completes training on 2027-02-14' (the `rota plan` summary)."""
    lines = []
    for found in completed_in(org, assignments):
        name = org.person(found.person).name
        if found.trained:
            lines.append(f"{name} completes training on {found.trained_on}: trained from then on")
        else:
            lines.append(f"{name} is still a {found.sentence()} by the end of this plan")
    return lines
