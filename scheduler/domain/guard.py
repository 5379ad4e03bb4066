"""The fairness guard: a change of people that makes a team much less fair waits for a manager.

A swap (or an override) may pass every rule and still wreck a team's fairness: one accepted
swap can move the max load ratio from 1.25 to 1.42 unnoticed. With the team's `fairness_guard`
on (the default), a change that raises the team's max load ratio above both its current value
plus `MARGIN` and `CEILING` is held for a manager's approval, with the reason
(docs/fairness.md#the-fairness-guard). The ratios are those of the fairness report
(`fairness_report`), so the guard and the fairness page always agree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from scheduler.domain.fairness import FairnessReport, fairness_report
from scheduler.domain.model import Assignment, Org, Problem
from scheduler.domain.points import DayCalendar
from scheduler.domain.text import name_of

MARGIN = 0.10  # a rise of more than this over the team's current max load ratio...
CEILING = 1.20  # ...to above this ratio needs a manager


@dataclass(frozen=True)
class GuardVerdict:
    """What a change does to a team's max load ratio, and whether a manager must approve it.

    `before` and `after` are the team's max load ratios (load / fair share, over its members;
    0.0 when none has a share); `heaviest` is the name of the member with the max ratio after
    the change. `reason` is the sentence shown to people when `held`, else None.
    """

    team: str
    before: float
    after: float
    heaviest: str | None
    held: bool
    reason: str | None


def needs_approval(before: float, after: float) -> bool:
    """Tell whether a max load ratio moving from `before` to `after` needs a manager.

    Held when `after` exceeds both `before + MARGIN` and `CEILING`
    (docs/fairness.md#the-fairness-guard).
    """
    return after > before + MARGIN and after > CEILING


def team_max_ratio(ratios: dict[str, float | None], members: Iterable[str]) -> tuple[float, str]:
    """Return the team's max load ratio and the member who has it ("" when nobody has a ratio).

    `ratios` maps person id to load ratio (None: no fair share), from the org's fairness report.
    """
    best, who = 0.0, ""
    for member in members:
        ratio = ratios.get(member)
        if ratio is not None and (ratio > best or not who):
            best, who = ratio, member
    return best, who


def fairness_guard(
    problem: Problem,
    team_id: str,
    current: Iterable[Assignment],
    proposed: Iterable[Assignment],
    calendar: DayCalendar | None = None,
    what: str = "this swap",
) -> GuardVerdict:
    """Judge a change of a team's assignments by the fairness guard.

    `current` and `proposed` are the plan's assignments (of every team: loads count across
    teams) before and after the change; `team_id` names the team whose max load ratio is
    guarded, and its `fairness_guard` setting decides (off: never held, the effect is still
    measured). `what` starts the reason ("this swap", "this override"). Raises KeyError for a
    team the org does not have.
    """
    calendar = calendar or DayCalendar(problem.org)
    before = fairness_report(problem, current, calendar)
    after = fairness_report(problem, proposed, calendar)
    return judge_reports(problem.org, team_id, before, after, what)


def judge_reports(
    org: Org, team_id: str, before: FairnessReport, after: FairnessReport, what: str = "this swap"
) -> GuardVerdict:
    """Judge by the guard a change whose fairness reports before and after are already known.

    For callers that have the reports anyway (the swap preview); see `fairness_guard`.
    """
    team = org.team(team_id)
    ratio_before, _ = team_max_ratio({p.person: p.ratio for p in before.people}, team.members)
    ratio_after, heaviest = team_max_ratio({p.person: p.ratio for p in after.people}, team.members)
    held = team.fairness_guard and needs_approval(ratio_before, ratio_after)
    name = name_of(org, heaviest) if heaviest else None
    reason = (
        f"{what} raises {team.name}'s max load ratio from {ratio_before:.2f} to "
        f"{ratio_after:.2f} ({name} would carry {ratio_after:.2f}x their fair share)"
        if held
        else None
    )
    return GuardVerdict(team.name, ratio_before, ratio_after, name, held, reason)
