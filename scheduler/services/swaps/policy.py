"""Who may do what with a swap, and which shifts may be swapped at all.

A person offers or trades only a shift they hold; answers only a swap that names them, or an
open offer in a team of theirs; withdraws only their own. Managers of a team (admins: of every
team) approve or refuse its swaps, but never approve one they are part of. The checks raise
`SwapForbidden`, which the web answers 403.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain.model import PlanState
from scheduler.services import accounts
from scheduler.services.swaps.check import Board
from scheduler.services.swaps.errors import SwapForbidden, SwapNotFound, SwapRefused
from scheduler.services.swaps.rows import label
from scheduler.store import AssignmentRow, MembershipRow, PersonRow, SwapRow, UserRow


def check_swappable(row: AssignmentRow, now: datetime) -> None:
    """Refuse (SwapRefused) a shift that is not published or has started by `now`."""
    reason = _unswappable(row, now)
    if reason is not None:
        raise SwapRefused(reason)


def can_offer(row: AssignmentRow, person_id: int | None, now: datetime) -> bool:
    """Tell whether the person may offer or trade the shift at `now`: theirs, and swappable."""
    return row.person_id == person_id and _unswappable(row, now) is None


def check_holder(row: AssignmentRow, person_id: int) -> None:
    """Refuse (SwapForbidden) anyone but the holder of a shift to offer or trade it."""
    if row.person_id != person_id:
        raise SwapForbidden("Only the person who holds a shift can offer it.")


def check_may_answer(session: Session, swap: SwapRow, person_id: int) -> None:
    """Refuse (SwapForbidden) a person who may not accept the swap (see `may_answer`)."""
    reason = _why_not_answer(session, swap, person_id)
    if reason is not None:
        raise SwapForbidden(reason)


def may_answer(session: Session, swap: SwapRow, person_id: int) -> bool:
    """Tell whether a person may answer a swap: it names them, or is open to their team."""
    return _why_not_answer(session, swap, person_id) is None


def manager(session: Session, user_id: int, team_id: int) -> UserRow:
    """Return the user when they manage the team (admins manage every team).

    Raises SwapNotFound when there is no such user, SwapForbidden when they do not manage it.
    """
    user = session.get(UserRow, user_id)
    if user is None:
        raise SwapNotFound(f"There is no user #{user_id}.")
    if not accounts.manages(user, team_id):
        raise SwapForbidden("Only a manager of the team can approve or refuse its swaps.")
    return user


def check_not_party(swap: SwapRow, user: UserRow) -> None:
    """Refuse (SwapForbidden) a manager whose person offered, was offered or took the swap."""
    parties = {swap.from_person_id, swap.to_person_id, swap.accepted_by_id} - {None}
    if user.person_id is not None and user.person_id in parties:
        raise SwapForbidden(
            "You are part of this swap, so you cannot approve it; another manager of the team can."
        )


def refuse_if_broken(board: Board, changes: dict[int, str]) -> None:
    """Refuse (SwapRefused, with the rules' sentences) changes that break a rule of the board."""
    found = board.judge(changes)
    if found:
        raise SwapRefused(" ".join(v.message for v in found), found)


def _unswappable(row: AssignmentRow, now: datetime) -> str | None:
    if row.plan.state != PlanState.PUBLISHED:
        return f"Only shifts of a published plan can be swapped; this plan is {row.plan.state}."
    if row.start <= now:
        return f"{label(row)} has already started; only future shifts can be swapped."
    return None


def _why_not_answer(session: Session, swap: SwapRow, person_id: int) -> str | None:
    if swap.from_person_id == person_id:
        return "You cannot accept your own offer."
    if swap.to_person_id is not None:
        return None if swap.to_person_id == person_id else "This offer was made to someone else."
    teams = session.scalars(
        select(MembershipRow.team_id).where(MembershipRow.person_id == person_id)
    )
    if swap.assignment.team_id in set(teams):
        return None
    person, team = session.get(PersonRow, person_id), swap.assignment.team
    who = person.name if person is not None else f"Person #{person_id}"
    return f"{who} is not a member of {team.name}; the offer is open to its members only."
