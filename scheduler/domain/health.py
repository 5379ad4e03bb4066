"""Rotation health: the figures a team is watched by, and when they make it unhealthy.

docs/health.md#what-makes-a-rotation-unhealthy: a roster below `min_roster`, a shift without a
primary, a published plan that runs out within RUNWAY_DAYS, anyone on call more than
MAX_ON_CALL_SHARE of the time. The figures are gathered by scheduler/services/health.py; this
module holds the thresholds, the shapes and the pure arithmetic, so the command, /metrics and
the docs share one definition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

# The common guidance (Google's SRE book, "Being On-Call"): at most a quarter of one's time.
MAX_ON_CALL_SHARE = 0.25
# A published plan that runs out sooner than this leaves too little time to plan the next one.
RUNWAY_DAYS = 14


@dataclass(frozen=True)
class TraineeProgress:
    """Where a trainee stands: shifts done (ended before now) against those required.

    `next_step` is "shadow", "secondary" or "primary" (training done: ready for the pager);
    `next_shift` the start (UTC) of their next published shift in that role, if any.
    """

    person: str
    shadows_done: int
    shadows: int
    secondaries_done: int
    secondaries: int
    next_step: str
    next_shift: datetime | None

    def remaining(self, role: str) -> int:
        """Return how many shifts of `role` ("shadow" or "secondary") are still to do (>= 0)."""
        if role == "shadow":
            return max(0, self.shadows - self.shadows_done)
        return max(0, self.secondaries - self.secondaries_done)


def next_step(shadows_done: int, shadows: int, secondaries_done: int, secondaries: int) -> str:
    """Return a trainee's next step: shadow, then secondary, then primary (training done).

    The order is docs/rules.md#6-training-and-membership.
    """
    if shadows_done < shadows:
        return "shadow"
    if secondaries_done < secondaries:
        return "secondary"
    return "primary"


@dataclass(frozen=True)
class TeamHealth:
    """One rotation's health at a moment.

    `on_call_share` maps each member to the share (0..1) of the published plan's horizon they
    are on call as primary or secondary, over all teams; `max_load_ratio` and `gini` are the
    published plan's figures over this team's members (None without a plan); `gaps` are the
    starts (UTC) of shifts not yet ended without a primary; `covered_until` is when the published
    shifts from now on stop being back to back (None: nobody is on call now); `days_left` the days
    from now to then (0 when nobody is); `next_shift` the start of the first published shift
    not yet ended (None: none ahead); `swaps_pending` counts swaps still open or awaiting
    approval on shifts not yet started. `uncovered` says, one sentence per leaver and plan,
    which shifts not yet started are held by someone who left the org or the team
    (docs/health.md#uncovered-shifts); `uncovered_shifts` counts those shifts.
    """

    team: str
    name: str
    trained: int
    min_roster: int
    on_call_share: dict[str, float]
    max_load_ratio: float | None
    gini: float | None
    gaps: tuple[datetime, ...]
    covered_until: datetime | None
    days_left: float
    next_shift: datetime | None
    trainees: tuple[TraineeProgress, ...]
    swaps_pending: int
    uncovered: tuple[str, ...] = ()
    uncovered_shifts: int = 0

    @property
    def max_on_call_share(self) -> float:
        """Return the largest on-call share among the members (0 for none)."""
        return max(self.on_call_share.values(), default=0.0)

    def problems(self) -> list[str]:
        """Return why the rotation is unhealthy, one sentence each (empty when healthy)."""
        found = []
        if self.trained < self.min_roster:
            found.append(
                f"{self.name}: {self.trained} trained members, the rotation needs {self.min_roster}"
            )
        if self.gaps:
            first = self.gaps[0].strftime("%Y-%m-%d %H:%M UTC")
            plural = "s" if len(self.gaps) > 1 else ""
            found.append(
                f"{self.name}: {len(self.gaps)} shift{plural} without a primary from {first}"
            )
        found += [f"{self.name}: {sentence}" for sentence in self.uncovered]
        if self.covered_until is None:
            ahead = (
                f"the published plan starts {self.next_shift:%Y-%m-%d %H:%M} UTC"
                if self.next_shift is not None
                else "no published shift ahead"
            )
            found.append(f"{self.name}: nobody is on call now ({ahead})")
        elif self.days_left < RUNWAY_DAYS:
            found.append(
                f"{self.name}: the published plan runs out in {self.days_left:.1f} days "
                f"(on {self.covered_until:%Y-%m-%d}); publish the next one"
            )
        over = sorted(p for p, s in self.on_call_share.items() if s > MAX_ON_CALL_SHARE)
        if over:
            shares = ", ".join(f"{p} {self.on_call_share[p]:.0%}" for p in over)
            found.append(
                f"{self.name}: on call more than {MAX_ON_CALL_SHARE:.0%} of the time: {shares}"
            )
        return found

    @property
    def healthy(self) -> bool:
        """Tell whether nothing in `problems()` applies."""
        return not self.problems()


@dataclass(frozen=True)
class OrgHealth:
    """An org's rotations at a moment, with the published plan they were measured on.

    `plan_id`, `plan_start` and `plan_end` (the first day after it) name that plan (None when
    nothing is published); `max_load_ratio`, `lower_bound` and `gini` are its org-wide figures;
    `load_ratio` maps each rotation member to their load ratio (None: no share).
    """

    org: str
    now: datetime
    plan_id: int | None
    plan_start: date | None
    plan_end: date | None
    max_load_ratio: float | None
    lower_bound: float | None
    gini: float | None
    load_ratio: dict[str, float | None]
    teams: tuple[TeamHealth, ...]

    @property
    def healthy(self) -> bool:
        """Tell whether every rotation of the org is healthy."""
        return all(t.healthy for t in self.teams)


def merged_hours(
    intervals: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime
) -> float:
    """Return the hours of the union of `intervals` inside `[start, end)` (overlaps count once)."""
    total, cursor = 0.0, start
    for a, b in sorted(intervals):
        a, b = max(a, cursor), min(b, end)
        if a < b:
            total += (b - a).total_seconds() / 3600
            cursor = b
    return total


def covered_until(shifts: Iterable[tuple[datetime, datetime]], now: datetime) -> datetime | None:
    """Return when back-to-back `shifts` (start, end) holding `now` end; None if none holds it."""
    cursor = None
    for start, end in sorted(shifts):
        if end <= now:
            continue
        if start > (cursor or now):
            break
        cursor = max(cursor or end, end)
    return cursor
