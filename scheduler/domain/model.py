"""The domain: frozen dataclasses for an organisation, its rotations and their plans.

Every datetime is timezone-aware: times are kept in UTC, team-local views derived."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property


class Role(StrEnum):
    """A role on a shift (docs/org-file.md, `roles`); shadows are for trainees only."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    SHADOW = "shadow"


ROLES = tuple(Role)
ROTATION_ROLES = (Role.PRIMARY, Role.SECONDARY)


class Status(StrEnum):
    """How good a plan is known to be (docs/cli.md, `status`)."""

    OPTIMAL = "OPTIMAL"  # the max load ratio is proven optimal
    FEASIBLE = "FEASIBLE"  # a valid plan, the ratio not proven optimal
    INFEASIBLE = "INFEASIBLE"  # proven: no plan satisfies every hard rule


OPTIMAL, FEASIBLE, INFEASIBLE = Status.OPTIMAL, Status.FEASIBLE, Status.INFEASIBLE


class PlanState(StrEnum):
    """Where a stored plan stands: a draft, the live (published) plan, or replaced."""

    DRAFT = "draft"
    PUBLISHED = "published"
    SUPERSEDED = "superseded"


class SwapStatus(StrEnum):
    """Where a swap or offer stands; OPEN and AWAITING_APPROVAL are still pending."""

    OPEN = "open"
    AWAITING_APPROVAL = "awaiting_approval"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    REFUSED = "refused"


PENDING_SWAPS = (SwapStatus.OPEN, SwapStatus.AWAITING_APPROVAL)


@dataclass(frozen=True)
class Trainee:
    """What a newly trained engineer must do in the horizon before carrying the pager."""

    shadows: int = 0
    secondaries: int = 0


@dataclass(frozen=True)
class Person:
    """Someone who may be on call (docs/org-file.md#people).

    `id` matches `[a-z0-9_-]+`; `timezone` is an IANA name (leave dates are local to it);
    `site` tags follow-the-sun slots; `fte` in (0, 1] scales the fair share; `joined` is the
    first local day in any rotation; `trainee` says what they must do before the pager.
    """

    id: str
    name: str
    timezone: str
    email: str | None = None
    site: str | None = None
    fte: float = 1.0
    joined: date | None = None
    trainee: Trainee | None = None

    @property
    def is_trainee(self) -> bool:
        """Tell whether the person is still in training this horizon."""
        return self.trainee is not None


@dataclass(frozen=True)
class Slot:
    """A daily follow-the-sun window, team-local; `end <= start` means it ends the next day."""

    start: time
    end: time
    site: str | None = None


@dataclass(frozen=True)
class Rotation:
    """How a team takes turns (docs/shifts.md): weekly or daily shifts from a local handoff.

    `handoff` is the team-local time (with `handoff_weekday`, Monday = 0, for weekly shifts);
    `roles` the roles each shift needs; `min_roster` the trained members the plan must use;
    `min_rest` the off time between two shifts of one person; `slots` replace the one daily
    shift by follow-the-sun windows.
    """

    shift: str  # "weekly" | "daily"
    handoff: time
    roles: tuple[str, ...] = ("primary", "secondary")
    handoff_weekday: int = 0  # Monday = 0; used by weekly rotations
    min_roster: int = 1
    min_rest: timedelta = timedelta(0)
    slots: tuple[Slot, ...] = ()


@dataclass(frozen=True)
class Team:
    """A team that owns services and keeps one rotation (docs/org-file.md#teams).

    `members` are person ids; `timezone` makes handoffs local; `holidays` (country codes)
    override the org's for this team's points; `services` and `runbook` go into feeds; a swap
    waits for a manager with `swaps_need_approval`, or with `fairness_guard` when it would make
    the team much less fair (domain/guard.py); `webhook_url` gets notifications.
    """

    id: str
    name: str
    timezone: str
    members: tuple[str, ...]
    rotation: Rotation
    holidays: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    runbook: str | None = None
    swaps_need_approval: bool = False
    webhook_url: str | None = None
    fairness_guard: bool = True


@dataclass(frozen=True)
class Leave:
    """Time a person is away: `[start, end)` in UTC."""

    person: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class AvoidRequest(Leave):
    """A soft request not to be on call in `[start, end)`."""


@dataclass(frozen=True)
class Weights:
    """Burden points per on-call hour by the kind of local day."""

    weekday: int = 2
    weekend: int = 3
    holiday: int = 4


@dataclass(frozen=True)
class RoleWeights:
    """Multipliers of burden points by role (docs/fairness.md#points)."""

    primary: int = 2
    secondary: int = 1
    shadow: int = 0

    def of(self, role: str) -> int:
        """Return the weight of `role` ("primary", "secondary" or "shadow")."""
        return getattr(self, role)


@dataclass(frozen=True, order=True)
class Shift:
    """One stretch of on-call for a team: `[start, end)` in UTC."""

    start: datetime
    team: str
    end: datetime
    site: str | None = None

    @property
    def key(self) -> str:
        """Identify the shift stably: team and UTC start (slots of a day start apart)."""
        return f"{self.team}-{self.start.astimezone(UTC):%Y%m%dT%H%MZ}"

    @property
    def hours(self) -> float:
        """Return the shift's length in real hours (167 or 169 across a DST change)."""
        return (self.end - self.start).total_seconds() / 3600

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Tell whether the shift overlaps `[start, end)` (aware datetimes)."""
        return self.start < end and start < self.end


@dataclass(frozen=True, order=True)
class Assignment:
    """A person holding a role on a shift (planned, or past when it comes from history).

    A piece of the shift once an override splits it (docs/rules.md#overrides): `start`, `end`
    (UTC) bound the part held, `cover` marks a cover's piece; left out, they are the shift's.
    """

    shift: Shift
    role: str
    person: str
    start: datetime | None = None
    end: datetime | None = None
    cover: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", self.start or self.shift.start)
        object.__setattr__(self, "end", self.end or self.shift.end)

    @property
    def whole(self) -> bool:
        """Tell whether the assignment holds the whole shift (no override split it)."""
        return self.start == self.shift.start and self.end == self.shift.end

    @property
    def span(self) -> Shift:
        """Return the stretch this person holds as a Shift of the same team and site."""
        if self.whole:
            return self.shift
        return Shift(start=self.start, team=self.shift.team, end=self.end, site=self.shift.site)


@dataclass(frozen=True)
class Org:
    """An organisation as one org file describes it (docs/org-file.md).

    People and teams in file order; `holidays` and `extra_holidays` set the holiday calendar;
    `weights` and `role_weights` the points; `lookback_weeks` the fairness window before the
    horizon; `leave`, `avoid` and `history` (past assignments) in UTC.
    """

    name: str
    timezone: str
    people: tuple[Person, ...]
    teams: tuple[Team, ...]
    holidays: tuple[str, ...] = ()
    extra_holidays: tuple[date, ...] = ()
    weights: Weights = field(default_factory=Weights)
    role_weights: RoleWeights = field(default_factory=RoleWeights)
    lookback_weeks: int = 26
    leave: tuple[Leave, ...] = ()
    avoid: tuple[AvoidRequest, ...] = ()
    history: tuple[Assignment, ...] = ()

    @cached_property
    def people_by_id(self) -> dict[str, Person]:
        """Index the people by id."""
        return {p.id: p for p in self.people}

    @cached_property
    def teams_by_id(self) -> dict[str, Team]:
        """Index the teams by id."""
        return {t.id: t for t in self.teams}

    def person(self, person_id: str) -> Person:
        """Return a person by id; KeyError when the org has none."""
        return self.people_by_id[person_id]

    def team(self, team_id: str) -> Team:
        """Return a team by id; KeyError when the org has none."""
        return self.teams_by_id[team_id]

    @cached_property
    def _leave_by_person(self) -> dict[str, list[Leave]]:
        grouped: dict[str, list[Leave]] = {}
        for lv in self.leave:
            grouped.setdefault(lv.person, []).append(lv)
        return grouped

    @cached_property
    def _history_by_person(self) -> dict[str, list[Assignment]]:
        grouped: dict[str, list[Assignment]] = {}
        for past in self.history:
            grouped.setdefault(past.person, []).append(past)
        return grouped

    def leave_of(self, person_id: str) -> list[Leave]:
        """Return the person's leave, in file order."""
        return self._leave_by_person.get(person_id, [])

    def history_of(self, person_id: str) -> list[Assignment]:
        """Return the person's past assignments (history), in file order."""
        return self._history_by_person.get(person_id, [])

    def teams_of(self, person_id: str) -> list[Team]:
        """Return the teams the person is a member of, in file order."""
        return [t for t in self.teams if person_id in t.members]

    @cached_property
    def rotation_members(self) -> tuple[str, ...]:
        """Everyone on at least one rotation, in the order of `people`."""
        on_call = {m for t in self.teams for m in t.members}
        return tuple(p.id for p in self.people if p.id in on_call)


@dataclass(frozen=True)
class Horizon:
    """What to plan: `weeks` weeks from the local midnight of `start` (docs/shifts.md)."""

    start: date
    weeks: int

    @property
    def days(self) -> int:
        """Return the horizon's length in days."""
        return 7 * self.weeks


@dataclass(frozen=True)
class Problem:
    """What to plan: an org, a horizon, its shifts, and optionally a previous plan to keep."""

    org: Org
    horizon: Horizon
    shifts: tuple[Shift, ...]
    previous: tuple[Assignment, ...] = ()
    now: datetime | None = None

    def shifts_of(self, team_id: str) -> list[Shift]:
        """Return the team's shifts in the horizon, in time order."""
        return [s for s in self.shifts if s.team == team_id]

    def roles_of(self, shift: Shift) -> tuple[str, ...]:
        """Return the roles the shift's rotation needs (shadows aside)."""
        return self.org.team(shift.team).rotation.roles


@dataclass(frozen=True)
class Plan:
    """The solver's answer: assignments, and how good they are known to be.

    `max_load_ratio` is the plan's max load ratio as the solver measured it (docs/fairness.md);
    `solver_bound` and `flow_bound` are proven lower bounds on the best ratio any plan can
    reach (CP-SAT's and the max-flow relaxation's); `lower_objectives_proven` says whether the
    spread and the wishes were proven optimal too; `solve_seconds` is wall-clock time.
    `spread` is the plan's sum of `(L_p - S_p)^2` (squared points, docs/fairness.md) and
    `spread_bound` a proven lower bound on it among plans of this max load ratio;
    `spread_proven` says they meet. `capped` says the wall-clock time limit cut a search
    short, the one case where the same inputs may give another plan (SPEC section 6).
    """

    assignments: tuple[Assignment, ...]
    status: Status = Status.FEASIBLE
    max_load_ratio: float | None = None
    solver_bound: float | None = None
    flow_bound: float | None = None
    lower_objectives_proven: bool = False
    solve_seconds: float = 0.0
    spread: float | None = None
    spread_bound: float | None = None
    spread_proven: bool = False
    capped: bool = False

    @property
    def ratio_proven(self) -> bool:
        """Whether the max load ratio is proven optimal (status OPTIMAL)."""
        return self.status == Status.OPTIMAL

    @property
    def ratio_gap(self) -> float | None:
        """Return the relative gap between the max load ratio and its proven lower bound."""
        bound = self.lower_bound
        if self.max_load_ratio is None or not bound:
            return None
        if self.ratio_proven:
            return 0.0
        return max(0.0, self.max_load_ratio / bound - 1)

    @property
    def spread_gap(self) -> float | None:
        """Return the relative gap between the spread and its proven lower bound."""
        if self.spread is None or self.spread_bound is None:
            return None
        if self.spread <= self.spread_bound or self.spread == 0:
            return 0.0
        return (self.spread - self.spread_bound) / self.spread

    @property
    def lower_bound(self) -> float | None:
        """Return the larger of the max-flow bound and the solver's proven bound."""
        bounds = [b for b in (self.flow_bound, self.solver_bound) if b]
        return max(bounds) if bounds else None

    def of_person(self, person_id: str) -> list[Assignment]:
        """Return the assignments `person_id` holds."""
        return [a for a in self.assignments if a.person == person_id]

    def of_team(self, team_id: str) -> list[Assignment]:
        """Return the assignments on `team_id`'s shifts."""
        return [a for a in self.assignments if a.shift.team == team_id]
