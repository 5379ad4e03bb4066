"""The tables: SQLAlchemy 2 typed mappings of orgs, people, teams, plans, swaps and accounts.

Every datetime column is timezone-aware UTC (`UTCDateTime`). The schema itself is created and
upgraded by Alembic (`migrations/`), never by `create_all`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator):
    """Store aware datetimes as UTC and always read them back aware (SQLite drops zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        """Store an aware datetime as UTC; ValueError for a naive one."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        """Read a datetime back as aware UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """The declarative base of every table."""


class OrgRow(Base):
    """An organisation: its name, time zone and settings (JSON)."""

    __tablename__ = "orgs"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    # holidays, extra_holidays, weights, role_weights, lookback_weeks: org-level settings
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    people: Mapped[list[PersonRow]] = relationship(back_populates="org", order_by="PersonRow.id")
    teams: Mapped[list[TeamRow]] = relationship(back_populates="org", order_by="TeamRow.id")


class PersonRow(Base):
    """A person of an org, by key (the org file's id); inactive once removed from the file."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("org_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    key: Mapped[str] = mapped_column(String(64))  # the id in the org file
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    site: Mapped[str | None] = mapped_column(String(64))
    fte: Mapped[float] = mapped_column(Float, default=1.0)
    joined: Mapped[date | None] = mapped_column(Date)
    trainee_shadows: Mapped[int | None] = mapped_column(Integer)
    trainee_secondaries: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    org: Mapped[OrgRow] = relationship(back_populates="people")


class TeamRow(Base):
    """A team of an org with its rotation (JSON); inactive once removed from the file."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("org_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    holidays: Mapped[list[str]] = mapped_column(JSON, default=list)
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    runbook: Mapped[str | None] = mapped_column(Text)
    # shift, handoff, handoff_weekday, roles, min_roster, min_rest_seconds, slots
    rotation: Mapped[dict[str, Any]] = mapped_column(JSON)
    swaps_need_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    webhook_url: Mapped[str | None] = mapped_column(Text)  # incoming webhook for notifications
    # Hold swaps that would make the team much less fair for a manager (domain/guard.py).
    fairness_guard: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    org: Mapped[OrgRow] = relationship(back_populates="teams")
    memberships: Mapped[list[MembershipRow]] = relationship(
        back_populates="team", order_by="MembershipRow.position", cascade="all, delete-orphan"
    )


class MembershipRow(Base):
    """A person's membership of a team's rotation."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("team_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    team: Mapped[TeamRow] = relationship(back_populates="memberships")
    person: Mapped[PersonRow] = relationship()


class TimeOffRow(Base):
    """Leave (hard) or an avoid request (soft), `[start, end)` in UTC."""

    __tablename__ = "time_off"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "leave" | "avoid"
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="import")  # "import" | "web" | "api"
    person: Mapped[PersonRow] = relationship()


class HistoryRow(Base):
    """Past on-call brought in by an org file or another tool's calendar (published plans count
    through their own rows)."""

    __tablename__ = "history"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    role: Mapped[str] = mapped_column(String(16))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    site: Mapped[str | None] = mapped_column(String(64))
    # "file": from the org file (replaced by each import); "calendar": `rota import-history`
    source: Mapped[str] = mapped_column(String(16), default="file", server_default="file")


class PlanRow(Base):
    """A version of the org's plan for one horizon: a draft, published, or superseded."""

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    start: Mapped[date] = mapped_column(Date)
    weeks: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # a model.PlanState
    solver_status: Mapped[str] = mapped_column(String(16))
    # The ratio as solved, kept for the audit log only: swaps change it, so pages and the API
    # measure the current assignments instead (services.planning.fairness_of).
    max_load_ratio: Mapped[float | None] = mapped_column(Float)
    lower_bound: Mapped[float | None] = mapped_column(Float)
    solve_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignments: Mapped[list[AssignmentRow]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="AssignmentRow.start"
    )


class AssignmentRow(Base):
    """A person holding a role on a shift `[start, end)` (UTC) of a stored plan."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("plan_id", "team_id", "start", "role"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    role: Mapped[str] = mapped_column(String(16))
    start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    site: Mapped[str | None] = mapped_column(String(64))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    # Rises on every change of person: swaps compare-and-set on it, so two cannot both land.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    plan: Mapped[PlanRow] = relationship(back_populates="assignments")
    team: Mapped[TeamRow] = relationship()
    person: Mapped[PersonRow] = relationship()
    overrides: Mapped[list[OverrideRow]] = relationship(
        back_populates="assignment", order_by="OverrideRow.start", cascade="all, delete-orphan"
    )


class SwapRow(Base):
    """An offer of a shift (to a teammate or anyone eligible) or a trade of two shifts."""

    __tablename__ = "swaps"
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    other_assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    from_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    to_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # a model.SwapStatus
    status: Mapped[str] = mapped_column(String(24), index=True)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    # Why the fairness guard held the swap for a manager; None when it did not.
    guard_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignment: Mapped[AssignmentRow] = relationship(foreign_keys=[assignment_id])
    other_assignment: Mapped[AssignmentRow | None] = relationship(
        foreign_keys=[other_assignment_id]
    )


class OverrideRow(Base):
    """Someone covering `[start, end)` (UTC) of an assignment for its holder (an override).

    `kind` says who asked: "request" (the holder asks the cover, who accepts), "offer" (the
    cover offers, the holder accepts) or "assign" (a manager sets it). `status` is a
    model.SwapStatus; only ACCEPTED overrides split the assignment (docs/rules.md#overrides).
    """

    __tablename__ = "overrides"
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    holder_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    cover_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(24), index=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    # Why the fairness guard held it for a manager (docs/fairness.md#the-fairness-guard).
    guard_reason: Mapped[str | None] = mapped_column(Text)
    assignment: Mapped[AssignmentRow] = relationship(back_populates="overrides")
    holder: Mapped[PersonRow] = relationship(foreign_keys=[holder_id])
    cover: Mapped[PersonRow] = relationship(foreign_keys=[cover_id])


class UserRow(Base):
    """An account: a username, a password hash, optionally a person, the admin and planner flags.

    Every sign-in session carries `session_generation`; raising it (sign-out, a new password,
    disabling) ends all of the user's sessions at once. A disabled user (`active` false) can
    neither sign in nor use an API token.
    """

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # An org planner publishes plans that change any team (docs/web.md#planning-rights).
    is_planner: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    person: Mapped[PersonRow | None] = relationship()
    managed: Mapped[list[ManagerRow]] = relationship(cascade="all, delete-orphan")


class ManagerRow(Base):
    """An account managing a team."""

    __tablename__ = "managers"
    __table_args__ = (UniqueConstraint("user_id", "team_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))


class TokenRow(Base):
    """A secret token, stored only as its SHA-256: feed tokens and API tokens."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # "feed" | "api"
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EventRevisionRow(Base):
    """What a feed last said about one event: SEQUENCE and LAST-MODIFIED rise when it changes."""

    __tablename__ = "event_revisions"
    uid: Mapped[str] = mapped_column(String(255), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    modified: Mapped[datetime] = mapped_column(UTCDateTime)


class AuditRow(Base):
    """One change in the audit log: who, what, when, with the values before and after."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The org the change belongs to; None for accounts and tokens, which only admins read.
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)


class NotificationRow(Base):
    """One message in a person's (or a manager's) in-app list, read or unread.

    Exactly one of `person_id` and `user_id` names the recipient: people get what concerns
    their shifts, manager accounts what awaits their approval. `dedupe_key` makes an event
    that a periodic scan finds (a shift starting soon) land once (docs/notifications.md).
    """

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))  # a path on this site
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)


class DeliveryRow(Base):
    """One message to send on one channel (an email or a team's webhook): the outbox.

    A sender claims a due row by a compare-and-set of `claimed_until` (its lease), delivers
    it, then marks it `sent`; a failure raises `attempts`, stores `last_error` and moves
    `next_attempt_at` back exponentially; after the last attempt the row is `failed`.
    """

    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    channel: Mapped[str] = mapped_column(String(16))  # "email" | "webhook"
    target: Mapped[str] = mapped_column(Text)  # an email address or a webhook URL
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RateLimitRow(Base):
    """One throttling counter (`scheduler.store.ratelimits`): hits in a fixed window.

    `expires_at` is the window's end in seconds since the epoch (UTC); a row past it counts
    as zero and is reused or purged. Keys longer than the column are stored as digests.
    """

    __tablename__ = "rate_limits"
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
