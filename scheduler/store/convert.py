"""Conversions between rows and the domain model (rotations as JSON, people, teams, shifts)."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain import model
from scheduler.domain.overrides import Cover, split
from scheduler.store.tables import AssignmentRow, HistoryRow, OrgRow, PersonRow, TeamRow, TimeOffRow


def _seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())


def rotation_to_json(rotation: model.Rotation) -> dict[str, Any]:
    """Return a rotation as JSON-ready data (times as "HH:MM", rest in seconds)."""
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
    """Rebuild a rotation from `rotation_to_json` data."""
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
    """Return the org-wide settings kept as JSON: holidays, weights, role weights, lookback."""
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
    """Return the domain Person of a row."""
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
    """Return the domain Team of a row, with its active members."""
    return model.Team(
        id=row.key,
        name=row.name,
        timezone=row.timezone,
        members=tuple(m.person.key for m in row.memberships),
        rotation=rotation_from_json(row.rotation),
        holidays=tuple(row.holidays or ()),
        services=tuple(row.services or ()),
        runbook=row.runbook,
        swaps_need_approval=row.swaps_need_approval,
        webhook_url=row.webhook_url,
        fairness_guard=row.fairness_guard,
    )


def shift_of(row: AssignmentRow | HistoryRow, team_key: str) -> model.Shift:
    """Return the domain Shift an assignment or history row stands on."""
    return model.Shift(start=row.start, team=team_key, end=row.end, site=row.site)


def assignment_from_row(row: AssignmentRow) -> model.Assignment:
    """Return the domain Assignment of a row (keys, not ids)."""
    return model.Assignment(shift=shift_of(row, row.team.key), role=row.role, person=row.person.key)


def pieces_from_row(row: AssignmentRow) -> tuple[model.Assignment, ...]:
    """Return the assignment of a row as its pieces once accepted overrides split it
    (docs/rules.md#overrides); the whole assignment when it has none."""
    whole = assignment_from_row(row)
    covers = [
        Cover(o.start, o.end, o.cover.key)
        for o in row.overrides
        if o.status == model.SwapStatus.ACCEPTED
    ]
    return split(whole, covers) if covers else (whole,)


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
