"""Planning rights: a team's manager publishes plans that change only their teams; a plan that
changes other teams needs an admin or an org planner (docs/web.md#planning-rights)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain.model import PlanState
from scheduler.store import PlanRow, TeamRow, UserRow


class NotAllowed(PermissionError):
    """The user may not publish this plan: it changes teams they do not manage."""


def may_plan(user: UserRow | None) -> bool:
    """Tell whether the user may generate drafts: an admin, an org planner or a team manager."""
    return user is not None and bool(user.is_admin or user.is_planner or user.managed)


def teams_changed(session: Session, plan: PlanRow) -> list[TeamRow]:
    """Return the teams (by name) whose assignments publishing `plan` would change: those that
    differ from the live plan of the same horizon (swaps included), or every team the plan
    staffs when no plan of that horizon is live."""
    live = session.scalar(
        select(PlanRow).where(
            PlanRow.org_id == plan.org_id,
            PlanRow.start == plan.start,
            PlanRow.state == PlanState.PUBLISHED,
            PlanRow.id != plan.id,
        )
    )

    def by_team(rows) -> dict[int, set[tuple]]:
        found: dict[int, set[tuple]] = {}
        for a in rows:
            found.setdefault(a.team_id, set()).add((a.start, a.end, a.role, a.person_id))
        return found

    new, old = by_team(plan.assignments), by_team(live.assignments if live else [])
    ids = {t for t in new.keys() | old.keys() if new.get(t, set()) != old.get(t, set())}
    if not ids:
        return []
    teams = session.scalars(select(TeamRow).where(TeamRow.id.in_(ids))).all()
    return sorted(teams, key=lambda t: (t.name, t.id))


def refusal(session: Session, user: UserRow, plan: PlanRow) -> str | None:
    """Return why `user` may not publish `plan` (naming the teams they may not change), or
    None when they may: admins and org planners always; managers when every changed team is
    theirs."""
    if user.is_admin or user.is_planner:
        return None
    managed = {m.team_id for m in user.managed}
    outside = [t for t in teams_changed(session, plan) if t.id not in managed]
    if not outside:
        return None
    names = ", ".join(t.name for t in outside)
    return (
        f"You may not change the plans of {names}: you manage "
        f"{_their_teams(session, managed)}. Publishing a plan that changes other teams "
        "needs an admin or an org planner."
    )


def check_may_publish(session: Session, user: UserRow, plan: PlanRow) -> None:
    """Raise NotAllowed (with `refusal`'s sentence) unless `user` may publish `plan`."""
    why = refusal(session, user, plan)
    if why is not None:
        raise NotAllowed(why)


def _their_teams(session: Session, managed: set[int]) -> str:
    if not managed:
        return "no team"
    names = session.scalars(select(TeamRow.name).where(TeamRow.id.in_(managed))).all()
    return ", ".join(sorted(names)) + " only"
