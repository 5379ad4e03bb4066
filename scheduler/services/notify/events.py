"""The events that tell people something: one function per kind, called inside the change.

Each function takes the caller's session and `now`, adds notifications and deliveries through
`outbox` and commits nothing: the change's own transaction carries them. Kinds and wording:
docs/notifications.md#events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from scheduler.domain.changes import change_sentence
from scheduler.domain.model import SwapStatus
from scheduler.services.departures import Uncovered
from scheduler.services.notify.outbox import enqueue, team_message
from scheduler.services.swaps.rows import label
from scheduler.store import (
    AssignmentRow,
    ManagerRow,
    NotificationRow,
    PersonRow,
    PlanRow,
    SwapRow,
    UserRow,
    published,
    shift_of,
    team_from_row,
)

SWAPS_PAGE, SHIFTS_PAGE, PLANS_PAGE = "/swaps", "/me/shifts", "/plans/"
LISTED_CHANGES = 20  # a team's webhook message lists at most this many changes
STARTING_WITHIN = timedelta(hours=24)


def offer_made(session: Session, swap: SwapRow, now: datetime) -> None:
    """Tell the person an offer or a trade is made to (kind `swap.offer` / `swap.trade`).

    An offer to anyone eligible names nobody: only the team's webhook hears of it.
    """
    giver, shift = _person(session, swap.from_person_id), swap.assignment
    to = _person(session, swap.to_person_id)
    if swap.other_assignment_id is not None:
        theirs = swap.other_assignment
        enqueue(
            session,
            to,
            "swap.trade",
            f"{giver.name} proposes a trade",
            f"{giver.name} proposes to trade their shift {label(shift)} for your shift "
            f"{label(theirs)}. Accept or decline it on the Swaps page.",
            now,
            link=SWAPS_PAGE,
        )
        text = f"{giver.name} proposes to {to.name} a trade of {label(shift)} for {label(theirs)}."
    elif to is not None:
        enqueue(
            session,
            to,
            "swap.offer",
            f"{giver.name} offers you a shift",
            f"{giver.name} offers you their shift {label(shift)}. "
            "Accept or decline it on the Swaps page.",
            now,
            link=SWAPS_PAGE,
        )
        text = f"{giver.name} offers {label(shift)} to {to.name}."
    else:
        text = f"{giver.name} offers {label(shift)} to anyone eligible."
    team_message(session, shift.team, text, now)


def offer_answered(session: Session, swap: SwapRow, now: datetime) -> None:
    """Tell the person who made an offer what became of it (kind `swap.<status>`).

    Accepted (and carried out), awaiting approval, declined, or refused by a manager (the
    taker hears of a refusal too). Other states tell nobody.
    """
    giver, taker = _person(session, swap.from_person_id), _person(session, swap.accepted_by_id)
    shift, what = swap.assignment, "trade" if swap.other_assignment_id else "offer"
    if swap.status == SwapStatus.ACCEPTED:
        subject = f"{taker.name} accepted your {what}"
        body = f"{taker.name} accepted your {what}: {label(shift)} is now theirs."
        if swap.other_assignment_id:
            body += f" You now hold {label(swap.other_assignment)}."
        team_text = f"{label(shift)} moved from {giver.name} to {taker.name}."
    elif swap.status == SwapStatus.AWAITING_APPROVAL:
        subject = f"{taker.name} accepted your {what}; a manager must approve it"
        body = (
            f"{taker.name} accepted your {what} of {label(shift)}; it awaits a manager's approval."
        )
        team_text = None
    elif swap.status == SwapStatus.DECLINED:
        taker = _person(session, swap.to_person_id)
        subject = f"{taker.name} declined your {what}"
        body = f"{taker.name} declined your {what} of {label(shift)}. You still hold it."
        team_text = None
    elif swap.status == SwapStatus.REFUSED:
        subject = f"A manager refused the swap of {label(shift)}"
        reason = f" Reason: {swap.reason}" if swap.reason else ""
        body = f"A manager of {shift.team.name} refused the swap of {label(shift)}.{reason}"
        team_text = None
        if taker is not None:
            enqueue(session, taker, f"swap.{swap.status}", subject, body, now, link=SWAPS_PAGE)
    else:
        return
    enqueue(session, giver, f"swap.{swap.status}", subject, body, now, link=SWAPS_PAGE)
    if team_text:
        team_message(session, shift.team, team_text, now)


def approval_needed(session: Session, swap: SwapRow, now: datetime) -> None:
    """Tell every active manager of the team, not party to it, that a swap awaits approval.

    Kind `swap.approval`; the managers' accounts get it (their person's email, if any).
    """
    shift = swap.assignment
    giver, taker = _person(session, swap.from_person_id), _person(session, swap.accepted_by_id)
    parties = {swap.from_person_id, swap.accepted_by_id}
    managers = session.scalars(
        select(UserRow)
        .join(ManagerRow, ManagerRow.user_id == UserRow.id)
        .where(ManagerRow.team_id == shift.team_id, UserRow.active.is_(True))
        .order_by(UserRow.id)
    ).all()
    text = f"{giver.name} -> {taker.name}: {label(shift)} awaits a manager's approval."
    for user in managers:
        if user.person_id is not None and user.person_id in parties:
            continue  # nobody approves a swap they are part of
        enqueue(
            session,
            user,
            "swap.approval",
            "A swap awaits your approval",
            text,
            now,
            link=SWAPS_PAGE,
        )
    team_message(session, shift.team, text, now)


def cover_requested(
    session: Session,
    assignment: AssignmentRow,
    to_person_ids: Iterable[int],
    requested_by_person_id: int,
    now: datetime,
    *,
    link: str = SWAPS_PAGE,
) -> None:
    """Ask people to cover a shift (kind `cover.request`); the team's webhook hears it too.

    For cover requests and overrides: call it in the transaction that records the request.
    """
    asker = _person(session, requested_by_person_id)
    for person_id in dict.fromkeys(to_person_ids):
        if person_id == requested_by_person_id:
            continue
        enqueue(
            session,
            _person(session, person_id),
            "cover.request",
            f"{asker.name} asks you to cover a shift",
            f"{asker.name} asks you to cover {label(assignment)}.",
            now,
            link=link,
        )
    text = f"{asker.name} asks for cover: {label(assignment)}."
    team_message(session, assignment.team, text, now)


def plan_published(session: Session, plan: PlanRow, replaced: list[PlanRow], now: datetime) -> None:
    """Tell each person whose shifts not yet started a published plan changes (`plan.changes`).

    `replaced` are the live plans it supersedes. Each person gets the list of their changes,
    worded as `rota plan` words them ('week of 2027-02-08, ops primary: ann -> bob'); each
    team's webhook gets the team's list (at most LISTED_CHANGES lines). A first plan of a
    quarter changes everyone on it from nothing: they hear how many shifts they hold.
    """
    before = {_slot(a): a for old in replaced for a in old.assignments if a.start >= now}
    after = {_slot(a): a for a in plan.assignments if a.start >= now}
    per_person: dict[int, list[str]] = defaultdict(list)
    per_team: dict[int, list[str]] = defaultdict(list)
    teams: dict[int, object] = {}  # team id -> domain Team, for the sentences
    team_rows = {a.team_id: a.team for a in [*before.values(), *after.values()]}
    for slot in sorted(before.keys() | after.keys(), key=lambda s: (s[1], s[0], s[2])):
        old, new = before.get(slot), after.get(slot)
        if old is not None and new is not None and old.person_id == new.person_id:
            continue
        row = new or old
        if not replaced:
            per_person[row.person_id].append(label(row))
            continue
        if row.team_id not in teams:
            teams[row.team_id] = team_from_row(row.team)
        sentence = change_sentence(
            teams[row.team_id],
            shift_of(row, row.team.key),
            row.role,
            old.person.key if old else None,
            new.person.key if new else None,
        )
        per_team[row.team_id].append(sentence)
        for holder in (old, new):
            if holder is not None and sentence not in per_person[holder.person_id]:
                per_person[holder.person_id].append(sentence)
    span = f"{plan.weeks} weeks from {plan.start}"
    for person_id, lines in per_person.items():
        if replaced:
            subject = f"The new plan changes {len(lines)} of your shifts"
            body = f"The plan for {span} was re-published. Your changes:\n"
        else:
            subject = f"The plan for {span} is live: you hold {_count(len(lines), 'shift')}"
            body = "Your shifts:\n"
        body += "\n".join(f"- {line}" for line in lines)
        enqueue(
            session,
            _person(session, person_id),
            "plan.changes",
            subject,
            body,
            now,
            link=SHIFTS_PAGE,
        )
    if not replaced:
        for team_row in team_rows.values():
            team_message(session, team_row, f"The plan for {span} is live.", now)
    for team_id, lines in per_team.items():
        shown = lines[:LISTED_CHANGES]
        more = f"\n… and {len(lines) - len(shown)} more" if len(lines) > len(shown) else ""
        text = f"The plan for {span} changes {_count(len(lines), 'assignment')}:\n"
        team_message(session, team_rows[team_id], text + "\n".join(shown) + more, now)


def shifts_starting(session: Session, now: datetime, within: timedelta = STARTING_WITHIN) -> int:
    """Remind whoever holds a published shift starting in `(now, now + within]`; return how many.

    Idempotent: one reminder per assignment and holder (kind `shift.starting`, dedupe key
    `shift.starting:<assignment id>:<person id>`), so the sender's periodic scan may run as
    often as it likes, from several senders at once. The team's webhook gets one line each.
    """
    rows = session.scalars(
        published(active_teams=True, active_people=True).where(
            AssignmentRow.start > now, AssignmentRow.start <= now + within
        )
    ).all()
    sent = set(
        session.scalars(
            select(NotificationRow.dedupe_key).where(
                NotificationRow.dedupe_key.in_([_starting_key(r) for r in rows])
            )
        )
    )
    added = 0
    for row in rows:
        if _starting_key(row) in sent:
            continue
        try:
            with session.begin_nested():
                enqueue(
                    session,
                    row.person,
                    "shift.starting",
                    f"Your shift starts soon: {row.role} on {row.team.name}",
                    f"Your shift {label(row)} starts within {_hours(within)} hours.",
                    now,
                    link=SHIFTS_PAGE,
                    dedupe_key=_starting_key(row),
                )
                team_message(session, row.team, f"{row.person.name} is up next: {label(row)}.", now)
        except IntegrityError:
            continue  # another sender's scan reminded them a moment ago
        added += 1
    return added


def shifts_uncovered(session: Session, uncovered: Iterable[Uncovered], now: datetime) -> int:
    """Tell each team's active managers of the shifts ahead that leavers leave uncovered
    (kind `shift.uncovered`, one notification per leaver, plan and team); return how many.

    For the import that makes someone leave (`departures.uncovered_shifts` gives `uncovered`),
    in its transaction. Once only: the dedupe key names the leaver, the first uncovered shift
    of the team and the manager's account, so importing the same file again tells nobody anew.
    The team's webhook hears of each leaver once too.
    """
    added = 0
    for u in uncovered:
        by_team: dict[int, list[AssignmentRow]] = defaultdict(list)
        for row in u.assignments:
            by_team[row.team_id].append(row)
        for held in by_team.values():
            added += _tell_managers(session, replace(u, assignments=tuple(held)), now)
    return added


def _tell_managers(session: Session, u: Uncovered, now: datetime) -> int:
    """Tell the managers of one team of one leaver's uncovered shifts there, once each."""
    first = u.assignments[0]
    managers = session.scalars(
        select(UserRow)
        .join(ManagerRow, ManagerRow.user_id == UserRow.id)
        .where(ManagerRow.team_id == first.team_id, UserRow.active.is_(True))
        .order_by(UserRow.id)
    ).all()
    keys = {user.id: f"shift.uncovered:{first.person_id}:{first.id}:{user.id}" for user in managers}
    told = set(
        session.scalars(
            select(NotificationRow.dedupe_key).where(NotificationRow.dedupe_key.in_(keys.values()))
        )
    )
    text = f"{first.team.name}: {u.sentence()}."
    subject = (
        f"{u.person_name} left {u.left}: {_count(len(u.assignments), 'shift')} of "
        f"{first.team.name} uncovered"
    )
    added = 0
    for user in managers:
        if keys[user.id] in told:
            continue
        enqueue(session, user, "shift.uncovered", subject, text, now, link=PLANS_PAGE,
                dedupe_key=keys[user.id])  # fmt: skip
        added += 1
    if added:
        team_message(session, first.team, text, now)
    return added


def _count(n: int, noun: str, plural: str | None = None) -> str:
    """Say '1 shift', '2 shifts' (`plural` when adding an s will not do)."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def _starting_key(row: AssignmentRow) -> str:
    return f"shift.starting:{row.id}:{row.person_id}"


def _hours(span: timedelta) -> int:
    return int(span.total_seconds() // 3600)


def _slot(row: AssignmentRow) -> tuple[int, datetime, str]:
    return row.team_id, row.start, row.role


def _person(session: Session, person_id: int | None) -> PersonRow | None:
    return None if person_id is None else session.get(PersonRow, person_id)
