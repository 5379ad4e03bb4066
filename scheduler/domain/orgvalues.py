"""The values of an org file: ids, names, numbers, dates, times and durations, within limits.

Each converter takes a `Value` (a YAML node with its file, key path and line) and returns the
domain value or fails naming where. The limits (docs/org-file.md#limits) keep every later step
bounded: dates between 1900 and 2200, small whole numbers, short texts.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from scheduler.domain.orgyaml import Value, hint
from scheduler.domain.points import is_known_country
from scheduler.domain.shifts import at_local, local_midnight

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ID = re.compile(r"[a-z0-9_-]+")
CLOCK = re.compile(r"(\d{1,2}):(\d{2})")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}.*")
REST = re.compile(r"(?:(\d{1,4})d)?\s*(?:(\d{1,6})h)?")
NUMBER = re.compile(r"\d{1,12}(\.\d{0,12})?|\.\d{1,12}")
INTEGER = re.compile(r"[+-]?\d{1,9}")
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2200, 12, 31)
LONGEST_ID = 64
LONGEST_REST = timedelta(days=365)


def ident(value: Value) -> str:
    """Return an id: lowercase letters, digits, "_" and "-", at most 64 characters."""
    text = value.text(longest=LONGEST_ID)
    if not ID.fullmatch(text):
        value.fail(f'invalid id "{text}"; use only lowercase letters, digits, "_" and "-"')
    return text


def choice(value: Value, choices: tuple[str, ...]) -> str:
    """Return the value when it is one of `choices`; fail listing them otherwise."""
    text = value.text()
    if text not in choices:
        value.fail(f'unknown value "{text}"; expected one of: {", ".join(choices)}')
    return text


def zone(value: Value) -> str:
    """Return an IANA time zone name; fail with a close match for a typo."""
    name = value.text()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        close = hint(name, available_timezones())
        value.fail(f'unknown time zone "{name}"; expected an IANA name like "Europe/Dublin"{close}')
    return name


def country(value: Value) -> str:
    """Return a holiday country code the holidays package knows."""
    code = value.text()
    if not is_known_country(code):
        value.fail(f'unknown holiday country "{code}"; expected a code like "US", "IE" or "IN"')
    return code


def email(value: Value) -> str:
    """Return an email address (something@somewhere, no blanks)."""
    text = value.text()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+", text):
        value.fail(f'"{text}" is not an email address')
    return text


def web_url(value: Value) -> str:
    """Return an http(s) URL with a host and no blanks (a team's incoming webhook)."""
    text = value.text(longest=2000)
    if not re.fullmatch(r"https?://[^\s/?#@]+(:\d+)?([/?#]\S*)?", text, flags=re.IGNORECASE):
        value.fail(f'"{text}" is not an http:// or https:// URL with a host')
    return text


def whole(value: Value, minimum: int, maximum: int) -> int:
    """Return a whole number within `[minimum, maximum]`; fail naming the bound it breaks."""
    text = value.text()
    if re.fullmatch(r"\+?\d+", text) and not INTEGER.fullmatch(text):
        value.fail(f"must be at most {maximum}, got {text}")
    if not INTEGER.fullmatch(text):
        value.fail(f'expected a whole number, got "{text}"')
    if int(text) < minimum:
        value.fail(f"must be at least {minimum}, got {int(text)}")
    if int(text) > maximum:
        value.fail(f"must be at most {maximum}, got {int(text)}")
    return int(text)


def flag(value: Value) -> bool:
    """Return `true` or `false` (any case) as a bool; fail on anything else."""
    text = value.text()
    if text.lower() not in ("true", "false"):
        value.fail(f'expected true or false, got "{text}"')
    return text.lower() == "true"


def fte(value: Value) -> float:
    """Return a full-time equivalent: more than 0 and at most 1."""
    text = value.text()
    if not NUMBER.fullmatch(text.lstrip("+-")):
        value.fail(f'expected a number like 0.6, got "{text}"')
    if not 0 < float(text) <= 1:
        value.fail(f"fte must be more than 0 and at most 1, got {text}")
    return float(text)


def day(value: Value) -> date:
    """Return a date written YYYY-MM-DD, between 1900-01-01 and 2200-12-31."""
    text = value.text()
    try:
        parsed = date.fromisoformat(text) if DATE.fullmatch(text) else None
    except ValueError:
        parsed = None
    if parsed is None:
        value.fail(f'cannot parse date "{text}"; expected YYYY-MM-DD like "2027-01-18"')
    return within_range(value, parsed)


def within_range(value: Value, moment: date) -> date:
    """Return a date (or datetime) when it lies in the years Rota plans, 1900 to 2200."""
    if not FIRST_DAY <= (moment.date() if isinstance(moment, datetime) else moment) <= LAST_DAY:
        value.fail(f"{moment:%Y-%m-%d} is outside the supported years 1900 to 2200")
    return moment


def parse_clock(text: str) -> time | None:
    """Return the time of "HH:MM" (24-hour), or None when it is not one."""
    match = CLOCK.fullmatch(text)
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return time(int(match[1]), int(match[2]))
    return None


def clock(value: Value) -> time:
    """Return a local time written "HH:MM"."""
    clock = parse_clock(text := value.text())
    if clock is None:
        value.fail(f'cannot parse time "{text}"; expected HH:MM like "08:00"')
    return clock


def handoff(value: Value, shift: str) -> tuple[int, time]:
    """Return weekday (Monday 0) and local time: "mon 10:00" for weekly, "09:00" for daily."""
    text = value.text()
    words = text.lower().split()
    if shift == "daily":
        if len(words) == 1 and (clock := parse_clock(words[0])):
            return 0, clock
        value.fail(f'cannot parse handoff "{text}"; expected a time like "09:00" (daily shift)')
    days = [i for i, day in enumerate(WEEKDAYS) if words and words[0] in (day, day[:3])]
    if len(words) == 2 and days and (clock := parse_clock(words[1])):
        return days[0], clock
    value.fail(f'cannot parse handoff "{text}"; expected weekday and time like "mon 10:00"')


def rest(value: Value) -> timedelta:
    """Return a rest like "7d", "36h" or "1d 12h", at most 365 days."""
    text = value.text().lower()
    if text == "0":
        return timedelta(0)
    match = REST.fullmatch(text)
    if not match or not any(match.groups()):
        value.fail(f'cannot parse duration "{text}"; expected days and hours like "7d", "36h"')
    span = timedelta(days=int(match[1] or 0), hours=int(match[2] or 0))
    if span > LONGEST_REST:
        value.fail(f'a rest of "{text}" is longer than the {LONGEST_REST.days} days allowed')
    return span


def instant(value: Value, zone: str, is_end: bool, dates: bool = True) -> datetime:
    """Return a UTC instant; a date means its local midnight (the next one, for an end)."""
    text = value.text()
    if dates and DATE.fullmatch(text):
        local_day = day(value)
        return local_midnight(local_day + timedelta(days=1) if is_end else local_day, zone)
    try:
        moment = datetime.fromisoformat(text) if DATETIME.fullmatch(text) else None
    except ValueError:
        moment = None
    if moment is None:
        like = 'a date like "2027-01-18" or ' if dates else ""
        value.fail(f'cannot parse "{text}"; expected {like}a time like "2027-02-03T09:00"')
    within_range(value, moment)
    if moment.tzinfo is None:
        return at_local(moment.date(), moment.time(), zone)
    return moment.astimezone(UTC)
