"""The JSON API's input and output: parsing query and body values, and rows as JSON objects.

Every bad value raises `ApiError` naming the field, which the API turns into a 400 response;
nothing a client sends can reach the database unchecked or make the server fail.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from scheduler.domain.orgvalues import FIRST_DAY, LAST_DAY
from scheduler.domain.shifts import at_local, local_midnight
from scheduler.store import AssignmentRow, OverrideRow, PersonRow, SwapRow, TeamRow, TimeOffRow
from web.inputs import MAX_ID

MAX_BODY = 64 * 1024
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_LEAP = re.compile(r"(T\d{2}:\d{2}:)60")


class ApiError(Exception):
    """An error the API reports as JSON: an HTTP status, a code, a message, maybe a field."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field

    def body(self) -> dict[str, Any]:
        """Return the JSON body of the error: {error, message, field?}."""
        body = {"error": self.code, "message": self.message}
        if self.field is not None:
            body["field"] = self.field
        return body


def bad(field: str, message: str) -> ApiError:
    """Return a 400 error naming the field at fault."""
    return ApiError(400, "invalid", message, field)


def not_found(message: str, field: str | None = None) -> ApiError:
    """Return a 404 error."""
    return ApiError(404, "not_found", message, field)


def forbidden(message: str) -> ApiError:
    """Return a 403 error."""
    return ApiError(403, "forbidden", message)


# --- input ---------------------------------------------------------------------------------


def instant(text: str | None, field: str, zone: str = "UTC", is_end: bool = False) -> datetime:
    """Parse an ISO 8601 date or date-time; naive times are in `zone`, a date is its midnight.

    A date given as an end means the end of that day (the next midnight), so that
    `start=2027-02-01&end=2027-02-05` covers five whole days.
    """
    if text is None or not text.strip():
        raise bad(field, f"{field} is required: an ISO 8601 date or date-time")
    text = text.strip()
    if len(text) > 40:
        raise bad(field, f"{field} is too long for a date or date-time")
    try:
        if _DATE.fullmatch(text):
            day = date.fromisoformat(text)
            _check_years(day, field)
            return local_midnight(day + timedelta(days=1) if is_end else day, zone)
        moment = datetime.fromisoformat(_rfc3339(text))
        _check_years(moment.date(), field)
        if moment.tzinfo is None:
            return at_local(moment.date(), moment.time(), zone)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise bad(
            field, f'{field} must be an ISO 8601 date or date-time like "2027-01-04T09:00Z"'
        ) from None


def _check_years(day: date, field: str) -> None:
    """Refuse a date outside the supported years (docs/org-file.md#limits) naming the field."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise bad(field, f"{field} must fall between {FIRST_DAY} and {LAST_DAY}")


def _rfc3339(text: str) -> str:
    """Accept what RFC 3339 allows and Python does not: lower-case t and z, leap seconds."""
    text = text.replace("t", "T").replace("z", "Z")
    # A leap second is read as the second before it: shifts start on whole minutes anyway.
    return _LEAP.sub(r"\g<1>59", text)


def optional_instant(text: str | None, field: str) -> datetime | None:
    """Parse an optional ISO 8601 instant (None when absent or empty); 400 when malformed."""
    return None if text is None or text == "" else instant(text, field)


def json_body(raw: bytes) -> Any:
    """Parse a request body as JSON, whatever it claims to be; a bad one is a 400, never a 500."""
    if len(raw) > MAX_BODY:
        raise bad("body", f"the request body must be at most {MAX_BODY} bytes")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise bad("body", "the request body must be a JSON object") from None


def json_object(data: Any, allowed: tuple[str, ...], required: tuple[str, ...]) -> dict[str, Any]:
    """Check a request body: a JSON object with only known fields and the required ones."""
    if not isinstance(data, dict):
        raise bad("body", "the request body must be a JSON object")
    for key in data:
        if key not in allowed:
            raise bad(str(key)[:100], f"unknown field {str(key)[:100]!r}")
    for key in required:
        if data.get(key) is None:
            raise bad(key, f"{key} is required")
    return data


def text_field(data: dict[str, Any], field: str, max_length: int = 500) -> str | None:
    """Return an optional text field of a JSON body, checked for type, length and NUL."""
    value = data.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad(field, f"{field} must be a string")
    if len(value) > max_length:
        raise bad(field, f"{field} must be at most {max_length} characters")
    if not storable(value):
        raise bad(field, f"{field} must be text without NUL characters or lone surrogates")
    return value


def storable(text: str) -> bool:
    """Tell whether every database can store the text (PostgreSQL refuses NUL characters)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate, from a JSON escape like "\ud800"
        return False
    return True


def id_field(data: dict[str, Any], field: str) -> int | None:
    """Return an optional integer id of a JSON body; 400 when not a positive whole number."""
    value = data.get(field)
    if value is None:
        return None
    # bool is an int in Python, but `true` is not an id.
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_ID:
        raise bad(field, f"{field} must be an integer id between 1 and {MAX_ID}")
    return value


def choice(value: str | None, field: str, choices: tuple[str, ...], default: str) -> str:
    """Return one of `choices` (the default when absent); 400 otherwise."""
    if value is None:
        return default
    if not isinstance(value, str) or value not in choices:
        raise bad(field, f"{field} must be one of {', '.join(choices)}")
    return value


# --- output --------------------------------------------------------------------------------


def moment(value: datetime | None) -> str | None:
    """Write an instant as RFC 3339 in UTC ("2027-01-04T15:00:00Z")."""
    if value is None:
        return None
    # isoformat, not strftime: %Y does not pad years before 1000 to four digits.
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def person_ref(person: PersonRow | None) -> dict[str, str] | None:
    """Render a person as {key, name} (None for nobody)."""
    return None if person is None else {"key": person.key, "name": person.name}


def team_ref(team: TeamRow) -> dict[str, Any]:
    """Render a team as the API shows it."""
    return {
        "key": team.key,
        "name": team.name,
        "services": list(team.services or ()),
        "runbook": team.runbook,
    }


def shift(row: AssignmentRow) -> dict[str, Any]:
    """Render an assignment as the API shows a shift."""
    return {
        "id": row.id,
        "team": row.team.key,
        "team_name": row.team.name,
        "role": row.role,
        "person": person_ref(row.person),
        "start": moment(row.start),
        "end": moment(row.end),
        "site": row.site,
        "covers": [
            {"person": person_ref(o.cover), "start": moment(o.start), "end": moment(o.end)}
            for o in row.overrides
            if o.status == "accepted"
        ],
    }


def override(row: OverrideRow) -> dict[str, Any]:
    """Describe an override (docs/rules.md#overrides) as the API shows it."""
    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "shift": shift(row.assignment),
        "holder": person_ref(row.holder),
        "cover": person_ref(row.cover),
        "start": moment(row.start),
        "end": moment(row.end),
        "reason": row.reason,
        "guard_reason": row.guard_reason,
        "created_at": moment(row.created_at),
        "decided_at": moment(row.decided_at),
    }


def leave(row: TimeOffRow) -> dict[str, Any]:
    """Render leave or an avoid request as the API shows it."""
    return {
        "id": row.id,
        "person": person_ref(row.person),
        "kind": row.kind,
        "start": moment(row.start),
        "end": moment(row.end),
        "note": row.note,
        "source": row.source,
    }


def swap(row: SwapRow, person_of: Callable[[int], PersonRow | None]) -> dict[str, Any]:
    """Describe a swap; `person_of` finds the people it names by id."""
    return {
        "id": row.id,
        "kind": "trade" if row.other_assignment_id is not None else "offer",
        "status": row.status,
        "shift": shift(row.assignment),
        "other_shift": shift(row.other_assignment) if row.other_assignment is not None else None,
        "from_person": person_ref(person_of(row.from_person_id)),
        "to_person": person_ref(person_of(row.to_person_id)) if row.to_person_id else None,
        "accepted_by": person_ref(person_of(row.accepted_by_id)) if row.accepted_by_id else None,
        "reason": row.reason,
        "guard_reason": row.guard_reason,
        "created_at": moment(row.created_at),
        "decided_at": moment(row.decided_at),
    }
