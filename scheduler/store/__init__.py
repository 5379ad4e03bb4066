"""The database: SQLAlchemy 2 typed tables, the engine, and conversions to and from the domain.

SQLite file by default (created on first run, WAL mode), PostgreSQL when `ROTA_DATABASE_URL`
says so. The schema is created and upgraded by Alembic (`migrations/`); the domain modules
never import this one.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
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
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Re-exported so that the layers above (web, cli) name them without importing SQLAlchemy.
from sqlalchemy.orm import Session as Session
from sqlalchemy.orm import sessionmaker as sessionmaker

from scheduler.domain import model

DEFAULT_URL = "sqlite:///rota.sqlite"


class UTCDateTime(TypeDecorator):
    """Store aware datetimes as UTC and always read them back aware (SQLite drops zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class OrgRow(Base):
    __tablename__ = "orgs"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    # holidays, extra_holidays, weights, role_weights, lookback_weeks: org-level settings
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)
    people: Mapped[list[PersonRow]] = relationship(back_populates="org", order_by="PersonRow.id")
    teams: Mapped[list[TeamRow]] = relationship(back_populates="org", order_by="TeamRow.id")


class PersonRow(Base):
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
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    org: Mapped[OrgRow] = relationship(back_populates="teams")
    memberships: Mapped[list[MembershipRow]] = relationship(
        back_populates="team", order_by="MembershipRow.position", cascade="all, delete-orphan"
    )


class MembershipRow(Base):
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
    """Past on-call brought in by an org file (published plans count through their rows)."""

    __tablename__ = "history"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    role: Mapped[str] = mapped_column(String(16))
    start: Mapped[datetime] = mapped_column(UTCDateTime)
    end: Mapped[datetime] = mapped_column(UTCDateTime)
    site: Mapped[str | None] = mapped_column(String(64))


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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignment: Mapped[AssignmentRow] = relationship(foreign_keys=[assignment_id])
    other_assignment: Mapped[AssignmentRow | None] = relationship(
        foreign_keys=[other_assignment_id]
    )


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    person: Mapped[PersonRow | None] = relationship()
    managed: Mapped[list[ManagerRow]] = relationship(cascade="all, delete-orphan")


class ManagerRow(Base):
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
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


# --- engine and sessions --------------------------------------------------------------------


def database_url(environ: dict[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    return environ.get("ROTA_DATABASE_URL") or DEFAULT_URL


def make_engine(url: str | None = None, schema: str | None = None) -> Engine:
    """Create an engine; SQLite files get WAL mode, foreign keys and a busy timeout.

    `schema` (PostgreSQL only) puts every table in that schema, so parallel test workers
    can share one database without seeing each other.
    """
    url = url or database_url()
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below take over
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            # Take the write lock at the start: concurrent writers queue instead of failing
            # half-way, which is what makes a swap's check-then-write atomic on SQLite.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    connect_args = {"options": f"-csearch_path={schema}"} if schema else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (creating it on first run)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


# --- conversions to and from the domain ------------------------------------------------------


def _seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())


def rotation_to_json(rotation: model.Rotation) -> dict[str, Any]:
    return {
        "shift": rotation.shift,
        "handoff": rotation.handoff.strftime("%H:%M"),
        "handoff_weekday": rotation.handoff_weekday,
        "roles": list(rotation.roles),
        "min_roster": rotation.min_roster,
        "min_rest_seconds": _seconds(rotation.min_rest),
        "slots": [
            {"start": s.start.strftime("%H:%M"), "end": s.end.strftime("%H:%M"), "site": s.site}
            for s in rotation.slots
        ],
    }


def rotation_from_json(data: dict[str, Any]) -> model.Rotation:
    return model.Rotation(
        shift=data["shift"],
        handoff=time.fromisoformat(data["handoff"]),
        handoff_weekday=data["handoff_weekday"],
        roles=tuple(data["roles"]),
        min_roster=data["min_roster"],
        min_rest=timedelta(seconds=data["min_rest_seconds"]),
        slots=tuple(
            model.Slot(time.fromisoformat(s["start"]), time.fromisoformat(s["end"]), s["site"])
            for s in data["slots"]
        ),
    )


def org_settings(org: model.Org) -> dict[str, Any]:
    return {
        "holidays": list(org.holidays),
        "extra_holidays": [d.isoformat() for d in org.extra_holidays],
        "weights": {
            "weekday": org.weights.weekday,
            "weekend": org.weights.weekend,
            "holiday": org.weights.holiday,
        },
        "role_weights": {
            "primary": org.role_weights.primary,
            "secondary": org.role_weights.secondary,
            "shadow": org.role_weights.shadow,
        },
        "lookback_weeks": org.lookback_weeks,
    }


def person_from_row(row: PersonRow) -> model.Person:
    trainee = None
    if row.trainee_shadows is not None:
        trainee = model.Trainee(row.trainee_shadows, row.trainee_secondaries or 0)
    return model.Person(
        id=row.key,
        name=row.name,
        timezone=row.timezone,
        email=row.email,
        site=row.site,
        fte=row.fte,
        joined=row.joined,
        trainee=trainee,
    )


def team_from_row(row: TeamRow) -> model.Team:
    return model.Team(
        id=row.key,
        name=row.name,
        timezone=row.timezone,
        members=tuple(m.person.key for m in row.memberships),
        rotation=rotation_from_json(row.rotation),
        holidays=tuple(row.holidays or ()),
        services=tuple(row.services or ()),
        runbook=row.runbook,
    )


def shift_of(row: AssignmentRow | HistoryRow, team_key: str) -> model.Shift:
    return model.Shift(start=row.start, team=team_key, end=row.end, site=row.site)


def assignment_from_row(row: AssignmentRow) -> model.Assignment:
    return model.Assignment(shift=shift_of(row, row.team.key), role=row.role, person=row.person.key)


def published_assignments(session: Session, org_id: int) -> list[AssignmentRow]:
    """Return the assignments of every published plan of the org, in time order."""
    return list(
        session.scalars(
            select(AssignmentRow)
            .join(PlanRow)
            .where(PlanRow.org_id == org_id, PlanRow.state == "published")
            .order_by(AssignmentRow.start, AssignmentRow.id)
        )
    )


def org_from_rows(session: Session, org_row: OrgRow, extra_history=()) -> model.Org:
    """Build the domain Org from the database: people, teams, leave, avoid and history."""
    people = {p.id: p for p in org_row.people if p.active}
    teams = {t.id: t for t in org_row.teams if t.active}
    time_off = session.scalars(
        select(TimeOffRow)
        .where(TimeOffRow.person_id.in_(list(people)))
        .order_by(TimeOffRow.start, TimeOffRow.id)
    ).all()
    history_rows = session.scalars(
        select(HistoryRow)
        .where(HistoryRow.team_id.in_(list(teams)))
        .order_by(HistoryRow.start, HistoryRow.id)
    ).all()
    settings = org_row.settings
    history = [
        model.Assignment(shift_of(h, teams[h.team_id].key), h.role, people[h.person_id].key)
        for h in history_rows
        if h.person_id in people
    ]
    return model.Org(
        name=org_row.name,
        timezone=org_row.timezone,
        people=tuple(person_from_row(p) for p in people.values()),
        teams=tuple(team_from_row(t) for t in teams.values()),
        holidays=tuple(settings["holidays"]),
        extra_holidays=tuple(date.fromisoformat(d) for d in settings["extra_holidays"]),
        weights=model.Weights(**settings["weights"]),
        role_weights=model.RoleWeights(**settings["role_weights"]),
        lookback_weeks=settings["lookback_weeks"],
        leave=tuple(
            model.Leave(people[r.person_id].key, r.start, r.end)
            for r in time_off
            if r.kind == "leave"
        ),
        avoid=tuple(
            model.AvoidRequest(people[r.person_id].key, r.start, r.end)
            for r in time_off
            if r.kind == "avoid"
        ),
        history=tuple(history) + tuple(extra_history),
    )


def org_row_by_name(session: Session, name: str | None = None) -> OrgRow:
    """Return the named org, or the only one when no name is given."""
    query = select(OrgRow).order_by(OrgRow.id)
    if name is not None:
        query = query.where(OrgRow.name == name)
    rows = session.scalars(query).all()
    if not rows:
        raise LookupError(f"no org named {name!r}" if name else "no org imported yet")
    if name is None and len(rows) > 1:
        raise LookupError("several orgs: name one (" + ", ".join(r.name for r in rows) + ")")
    return rows[0]


def problem_for_plan(session: Session, plan_row: PlanRow) -> tuple[model.Problem, model.Plan]:
    """Rebuild the domain problem and plan of a stored plan version.

    Assignments of other published plans that ended before this horizon count as history,
    next to the history an org file brought in.
    """
    from scheduler.domain.shifts import make_problem

    org_row = session.get(OrgRow, plan_row.org_id)
    earlier = [
        a
        for a in published_assignments(session, plan_row.org_id)
        if a.plan_id != plan_row.id and a.start < _horizon_start(org_row, plan_row)
    ]
    org = org_from_rows(session, org_row, extra_history=[assignment_from_row(a) for a in earlier])
    problem = make_problem(org, plan_row.start, plan_row.weeks)
    plan = model.Plan(
        assignments=tuple(sorted(assignment_from_row(a) for a in plan_row.assignments)),
        status=plan_row.solver_status,
        max_load_ratio=plan_row.max_load_ratio,
        solve_seconds=plan_row.solve_seconds,
    )
    return problem, plan


def _horizon_start(org_row: OrgRow, plan_row: PlanRow) -> datetime:
    from scheduler.domain.shifts import local_midnight

    return local_midnight(plan_row.start, org_row.timezone)


def drop_everything(engine: Engine) -> None:
    """Drop every table, Alembic's too (tests start PostgreSQL from a clean slate)."""
    Base.metadata.drop_all(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
