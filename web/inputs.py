"""Bounded inputs for every web route: ids the databases can hold, dates in the supported
years, no NUL characters. A value beyond them answers 4xx with a sentence, never 500."""

from __future__ import annotations

from datetime import date

from flask import abort, request
from werkzeug.routing import IntegerConverter

from scheduler.domain.orgvalues import FIRST_DAY, LAST_DAY

MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL (SQLite's reach 2**63)


class IdConverter(IntegerConverter):
    """The `<int:...>` of every route: a whole number from 0 to MAX_ID, else the route is 404."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 0, max: int | None = MAX_ID):
        """Bound the integer to what a database id column holds unless a route says otherwise."""
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)


def optional_id(source: str, field: str) -> int | None:
    """Return the id in form field (source "form") or query argument ("args") `field`.

    None when it is missing or empty; 400 when it is not a whole number from 1 to MAX_ID.
    """
    text = (request.form if source == "form" else request.args).get(field, "").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        abort(400, description=f"{field} must be a whole number from 1 to {MAX_ID}.")
    return int(text)


def day(text: str | None, field: str) -> date:
    """Return a date written YYYY-MM-DD between 1900-01-01 and 2200-12-31; else 400."""
    try:
        value = date.fromisoformat((text or "").strip())
    except ValueError:
        abort(400, description=f"{field} must be a date like 2027-01-04.")
    if not FIRST_DAY <= value <= LAST_DAY:
        abort(400, description=f"{field} must be between {FIRST_DAY} and {LAST_DAY}.")
    return value


def refuse_nul() -> None:
    """Answer 400 to a request whose query or form fields carry a NUL character (PostgreSQL
    cannot store one, and no field needs it). The API checks its fields itself, naming them."""
    if request.blueprint == "api":
        return
    fields = [*request.args.items(multi=True)]
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        fields += request.form.items(multi=True)
    if any("\x00" in key or "\x00" in value for key, value in fields):
        abort(400, description="Form fields must not contain NUL characters.")
