"""Who may do what with a swap, and which shifts may be swapped at all."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from scheduler.domain.model import PlanState
from scheduler.services import accounts
from scheduler.services.swaps.check import Board
from scheduler.services.swaps.errors import SwapNotFound, SwapRefused
from scheduler.services.swaps.rows import label
from scheduler.store import AssignmentRow, MembershipRow, SwapRow, UserRow


def check_swappable(row: AssignmentRow, now: datetime) -> None:
    """Refuse (SwapRefused) a shift that is not published or has started by `now`."""
    if row.plan.state != PlanState.PUBLISHED:
        raise SwapRefused(
            f"Only shifts of a published plan can be swapped; this plan is {row.plan.state}."
        )
    if row.start <= now:
        raise SwapRefused(f"{label(row)} has already started; only future shifts can be swapped.")


def may_answer(session: Session, swap: SwapRow, person_id: int) -> bool:
    """Tell whether a person may answer a swap: it names them, or is open to their team."""
    if swap.to_person_id is not None:
        return swap.to_person_id == person_id
    if swap.from_person_id == person_id:
        return False
    teams = session.scalars(
        select(MembershipRow.team_id).where(MembershipRow.person_id == person_id)
    )
    return swap.assignment.team_id in set(teams)


def manager(session: Session, user_id: int, team_id: int) -> UserRow:
    """Return the user when they manage the team (admins manage every team).

    Raises SwapNotFound when there is no such user, SwapRefused when they do not manage it.
    """
    user = session.get(UserRow, user_id)
    if user is None:
        raise SwapNotFound(f"There is no user #{user_id}.")
    if not accounts.manages(user, team_id):
        raise SwapRefused("Only a manager of the team can approve or refuse its swaps.")
    return user


def refuse_if_broken(board: Board, changes: dict[int, str]) -> None:
    """Refuse (SwapRefused, with the rules' sentences) changes that break a rule of the board."""
    found = board.judge(changes)
    if found:
        raise SwapRefused(" ".join(v.message for v in found), found)
