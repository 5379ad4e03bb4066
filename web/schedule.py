"""Team schedule: a week-by-week calendar of a quarter with primary, secondary, shadow and leave."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, render_template, request

from scheduler.domain.model import Role
from scheduler.domain.shifts import local_midnight
from scheduler.services import planning, queries
from scheduler.store import AssignmentRow, TimeOffRow
from web import inputs, viewer
from web.auth import login_required
from web.db import get_session

bp = Blueprint("schedule", __name__)

QUARTER_WEEKS = 13


@dataclass
class ShiftRow:
    """One line of the schedule: a shift's times and site, who holds each role, and if I do."""

    start: datetime
    end: datetime
    site: str | None
    roles: dict[str, list[AssignmentRow]] = field(default_factory=lambda: defaultdict(list))
    mine: bool = False


@dataclass
class Week:
    """A week of the schedule from its first day: its shifts and the leave that overlaps it."""

    start: date
    shifts: list[ShiftRow]
    leave: list[TimeOffRow]


@bp.route("/teams/<key>")
@login_required
def team(key: str):
    """Show a quarter of a team's published schedule, week by week."""
    team_row = viewer.team_by_key(key)
    if team_row is None:
        abort(404)
    session, org = get_session(), viewer.org()
    first = _start(session, org.id, team_row.timezone)
    zone = ZoneInfo(team_row.timezone)
    begin = local_midnight(first, team_row.timezone)
    finish = local_midnight(first + timedelta(weeks=QUARTER_WEEKS), team_row.timezone)
    shifts = queries.published_shifts(session, org.id, team_id=team_row.id, start=begin, end=finish)
    members = [m.person_id for m in team_row.memberships]
    leave = queries.time_off(session, members, start=begin, end=finish)
    weeks = _weeks(first, shifts, leave, zone, viewer.person_id())
    today = viewer.now().astimezone(zone).date()
    return render_template(
        "schedule.html",
        team=team_row,
        weeks=weeks,
        roles=[r for r in team_row.rotation.get("roles", (Role.PRIMARY,)) if r != Role.SHADOW],
        shadows=any(a.role == Role.SHADOW for a in shifts),
        first=first,
        previous=first - timedelta(weeks=QUARTER_WEEKS),
        following=first + timedelta(weeks=QUARTER_WEEKS),
        last=first + timedelta(weeks=QUARTER_WEEKS, days=-1),
        this_week=next((w.start for w in weeks if w.start <= today < w.start + timedelta(7)), None),
    )


def _start(session, org_id: int, timezone: str) -> date:
    """Return the first week to show: ?start=, else this week of the published plan running now
    (on the plan's own week grid), else the start of the next published plan, else this week
    (Monday, team-local)."""
    text = request.args.get("start")
    if text:
        return inputs.day(text, "start")
    now = viewer.now()
    today = now.astimezone(ZoneInfo(timezone)).date()
    running = planning.plan_covering(session, org_id, now)
    if running is not None:
        return running.start + timedelta(weeks=max(0, (today - running.start).days // 7))
    upcoming = [p.start for p in planning.published_plans(session, org_id) if p.start > today]
    if upcoming:
        return upcoming[0]
    return today - timedelta(days=today.weekday())


def _weeks(first: date, shifts, leave, zone: ZoneInfo, me: int | None) -> list[Week]:
    weeks = [Week(first + timedelta(weeks=i), [], []) for i in range(QUARTER_WEEKS)]
    grouped: dict[tuple, ShiftRow] = {}
    for a in shifts:
        key = (a.start, a.end, a.site)
        if key not in grouped:
            grouped[key] = ShiftRow(a.start, a.end, a.site)
        grouped[key].roles[a.role].append(a)
        grouped[key].mine |= a.person_id == me
    for row in grouped.values():
        index = (row.start.astimezone(zone).date() - first).days // 7
        if 0 <= index < QUARTER_WEEKS:
            weeks[index].shifts.append(row)
    for away in leave:
        for week in weeks:
            week_start = local_midnight(week.start, zone.key)
            week_end = local_midnight(week.start + timedelta(weeks=1), zone.key)
            if away.start < week_end and week_start < away.end:
                week.leave.append(away)
    return weeks
