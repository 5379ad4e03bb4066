"""How pages show dates and times: one formatter, the year only when it is not this year.

Every page formats moments through `show` (as the `when`, `day` and `last_day` filters), so a
shift reads the same everywhere: 'Mon 04 Jan 10:00' this year, 'Mon 04 Jan 2027 10:00' in
another, in the viewer's time zone unless a zone is named.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from web import viewer


def show(
    value: date | datetime | None,
    *,
    time: bool = True,
    weekday: bool = True,
    where: str | None = None,
    last_day: bool = False,
) -> str:
    """Format a date or an aware datetime for people; '' for None.

    A datetime shows on the wall clock of `where` (an IANA zone name; default the viewer's);
    `time` adds 'HH:MM' (datetimes only), `weekday` the day's name. The year shows only when it
    is not the current year of the viewer's clock. `last_day` shows the end of a `[start, end)`
    span as its last day (an end at midnight is exclusive).
    """
    if value is None:
        return ""
    zone = ZoneInfo(where) if where else viewer.zone()
    if isinstance(value, datetime):
        moment = value - timedelta(microseconds=1) if last_day else value
        local = moment.astimezone(zone)
        day, clock = local.date(), (f" {local:%H:%M}" if time and not last_day else "")
    else:
        day, clock = (value - timedelta(days=1) if last_day else value), ""
    this_year = viewer.now().astimezone(zone).year
    text = f"{day:%a} " if weekday else ""
    text += f"{day:%d %b}" + ("" if day.year == this_year else f" {day.year}")
    return text + clock


def when(value: date | datetime | None, where: str | None = None) -> str:
    """Show a moment with its weekday and time: 'Mon 04 Jan 10:00'."""
    return show(value, where=where)


def day(value: date | datetime | None, where: str | None = None) -> str:
    """Show a day: 'Mon 04 Jan' (with the year when it is not this one)."""
    return show(value, time=False, where=where)


def last_day(value: date | datetime | None, where: str | None = None) -> str:
    """Show the last day of a span ending at `value`: 'Fri 08 Jan'."""
    return show(value, time=False, where=where, last_day=True)
