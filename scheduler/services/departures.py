"""People who leave the org: their access ends, and their shifts ahead become uncovered.

When an import drops a person (docs/cli.md#people-who-leave), `leave_org` disables the accounts
linked to them (their sign-in sessions end, their API tokens are revoked) and revokes their
feed tokens. Their published assignments stay: started and past ones are history, and the ones
not yet started are *uncovered* until a re-plan deals them out again. `uncovered_shifts` finds
those for the plans pages, `rota import`, and any check or notice that needs them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from scheduler.domain import model
from scheduler.domain.model import SwapStatus
from scheduler.services import accounts, audit
from scheduler.store import (
    AssignmentRow,
    MembershipRow,
    PersonRow,
    PlanRow,
    TokenRow,
    UserRow,
    assignment_from_row,
    published,
)

LEFT_ORG, LEFT_TEAM = "the org", "team"  # what an uncovered shift's person left


@dataclass(frozen=True)
class Uncovered:
    """The shifts of one person, in one live plan, that nobody will work: not yet started, held
    by someone who has left the org (or the shift's team).

    `assignments` are the published rows, earliest first; `replan_start` and `replan_weeks` are
    the live plan's horizon: re-planning it keeps its started shifts and deals these out again
    (docs/fairness.md#re-planning).
    """

    person_key: str
    person_name: str
    left: str  # "the org", or a team's name
    plan_id: int
    replan_start: date
    replan_weeks: int
    assignments: tuple[AssignmentRow, ...]

    @property
    def first_start(self) -> datetime:
        """Return when the first uncovered shift starts (UTC)."""
        return self.assignments[0].start

    def sentence(self) -> str:
        """Say it for a manager: '3 shifts of Alice Chen, who left the org, are uncovered: ...'."""
        count = len(self.assignments)
        shifts = "1 shift" if count == 1 else f"{count} shifts"
        verb = "is" if count == 1 else "are"
        return (
            f"{shifts} of {self.person_name}, who left {self.left}, {verb} uncovered: "
            f"re-plan from {self.replan_start} ({self.replan_weeks} weeks; started shifts stay)"
        )


def uncovered_shifts(session: Session, org_id: int, now: datetime) -> list[Uncovered]:
    """Return the org's uncovered shifts, one entry per person and live plan, earliest first.

    A published assignment is uncovered when its shift starts at or after `now` (aware) and its
    person is inactive (left the org) or no longer a member of the shift's active team; so is
    one with an accepted cover (docs/rules.md#overrides), not yet started, by such a person
    (listed under the cover). Shifts and covers that have started are history, never listed.
    """
    rows = session.scalars(
        published(org_id, active_teams=True)
        .where(AssignmentRow.end > now)
        .options(joinedload(AssignmentRow.person), joinedload(AssignmentRow.team))
    ).all()
    members = set(
        session.execute(
            select(MembershipRow.team_id, MembershipRow.person_id)
            .join(PersonRow, MembershipRow.person_id == PersonRow.id)
            # scoped to the org through the person
            .where(PersonRow.org_id == org_id)
        ).all()
    )
    grouped: dict[tuple[int, int, str], list[AssignmentRow]] = defaultdict(list)

    def check(row: AssignmentRow, person: PersonRow) -> None:
        if not person.active:
            grouped[(row.plan_id, person.id, LEFT_ORG)].append(row)
        elif (row.team_id, person.id) not in members:
            grouped[(row.plan_id, person.id, f"{LEFT_TEAM} {row.team.name}")].append(row)

    for row in rows:
        if row.start >= now:
            check(row, row.person)
        for cover in row.overrides:  # hours not yet started that someone covers for the holder
            if cover.status == SwapStatus.ACCEPTED and cover.start >= now:
                check(row, cover.cover)
    found = []
    for (plan_id, person_id, left), held in grouped.items():
        plan, person = session.get(PlanRow, plan_id), session.get(PersonRow, person_id)
        held = sorted(set(held), key=lambda a: (a.start, a.id))
        found.append(
            Uncovered(
                person_key=person.key,
                person_name=person.name,
                left=left,
                plan_id=plan_id,
                replan_start=plan.start,
                replan_weeks=plan.weeks,
                assignments=tuple(held),
            )
        )
    return sorted(found, key=lambda u: (u.first_start, u.person_key, u.left))


def leave_org(session: Session, person: PersonRow, *, actor: str, now: datetime) -> list[str]:
    """End a departed person's access; return one sentence per thing ended (may be empty).

    Every account linked to the person is disabled (it cannot sign in, its sessions end at
    once, its API tokens are revoked) and every feed token of the person is revoked. The
    caller has marked the person inactive; rejoining later (a re-import that lists them again)
    restores neither: an admin enables the account again (`rota users enable`) and feed URLs
    are issued anew (`rota feeds --person ID --rotate`).
    """
    said = []
    users = session.scalars(
        select(UserRow).where(UserRow.person_id == person.id, UserRow.active.is_(True))
    ).all()
    for user in users:
        user.active = False
        accounts.end_sessions(user)
        accounts.revoke_api_tokens(session, user.id, now=now, actor=actor)
        audit.record(
            session,
            actor,
            "user.disable",
            "user",
            user.id,
            {"active": True},
            {"active": False, "reason": f"person {person.key} left the org"},
            now,
            org_id=person.org_id,
        )
        said.append(f"disabled account {user.username} (person {person.key} left the org)")
    feeds = session.scalars(
        select(TokenRow).where(
            TokenRow.kind == "feed", TokenRow.person_id == person.id, TokenRow.revoked_at.is_(None)
        )
    ).all()
    for token in feeds:
        token.revoked_at = now
    if feeds:
        audit.record(
            session,
            actor,
            "feed_token.revoke",
            "person",
            person.id,
            None,
            {"revoked": len(feeds), "reason": "left the org"},
            now,
            org_id=person.org_id,
        )
        count = len(feeds)
        said.append(
            f"revoked {count} feed token{'' if count == 1 else 's'} of {person.key} "
            "(their calendar URL stops working)"
        )
    session.flush()
    return said


def disabled_accounts(session: Session, person: PersonRow) -> list[str]:
    """Return the usernames of the person's disabled accounts (for a rejoining person)."""
    return list(
        session.scalars(
            select(UserRow.username)
            .where(UserRow.person_id == person.id, UserRow.active.is_(False))
            .order_by(UserRow.username)
        )
    )


def enable_user(session: Session, username: str, *, actor: str, now: datetime) -> UserRow:
    """Enable a disabled account again: it may sign in (with its password; old sessions stay
    ended and revoked tokens stay revoked). Raises accounts.AccountError for an unknown user."""
    user = accounts.user_by_name(session, username)
    if user is None:
        raise accounts.AccountError(f"there is no user {username!r}")
    if not user.active:
        user.active = True
        audit.record(session, actor, "user.enable", "user", user.id, None, {"active": True}, now)
        session.flush()
    return user


def without_started_by_leavers(
    problem: model.Problem, live: PlanRow, now: datetime
) -> model.Problem:
    """Return the re-plan `problem` of the `live` plan without the started shifts (before
    `now`) held by someone who has since left: they are history (nobody else can have worked
    them), their other crew's part counts as history (rest, loads), and
    `planning.store_draft` carries the crew over as is (`started_by_leavers`)."""
    gone = {
        (a.team.key, a.start)
        for a in live.assignments
        if a.start < now and a.team.active and not a.person.active
    }
    if not gone:
        return problem
    # Its other crew worked it: their part counts as history (rest, loads).
    worked = tuple(
        assignment_from_row(a)
        for a in live.assignments
        if (a.team.key, a.start) in gone and a.person.active
    )
    return replace(
        problem,
        org=replace(problem.org, history=problem.org.history + worked),
        shifts=tuple(s for s in problem.shifts if (s.team, s.start) not in gone),
        previous=tuple(a for a in problem.previous if (a.shift.team, a.shift.start) not in gone),
    )


def started_by_leavers(session: Session, org_id: int, problem: model.Problem) -> list:
    """Return copies (new AssignmentRows) of the live plan's started assignments whose shifts
    the re-plan `problem` left out because someone who has left held them
    (`without_started_by_leavers`)."""
    if problem.now is None:
        return []
    live = session.scalars(
        select(PlanRow).where(
            PlanRow.org_id == org_id,
            PlanRow.start == problem.horizon.start,
            PlanRow.state == model.PlanState.PUBLISHED,
        )
    ).first()
    if live is None:
        return []
    solved = {(s.team, s.start) for s in problem.shifts}
    # Only the shifts `build_problem` left out: started, held by someone who has left.
    gone = {
        (a.team.key, a.start)
        for a in live.assignments
        if a.start < problem.now and a.team.active and not a.person.active
    }
    return [
        AssignmentRow(
            team_id=a.team_id,
            role=a.role,
            start=a.start,
            end=a.end,
            site=a.site,
            person_id=a.person_id,
        )
        for a in live.assignments
        if (a.team.key, a.start) in gone - solved
    ]
