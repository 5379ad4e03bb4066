"""How the domain words things for people: lists of names, durations, shifts in local time.

The rulebook, the explanations and the swap service all speak through these, so a shift or a
list of people reads the same wherever it appears.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler.domain.model import Org, Shift

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Terminal escape sequences whole (CSI `ESC [ ... final`, OSC/DCS/APC/PM strings up to BEL or
# `ESC \\`, two-character escapes), then single characters a terminal acts on: C0 controls but
# tab and newline, DEL, C1 controls, the bidirectional marks, embeddings, overrides and
# isolates, and the Unicode line and paragraph separators.
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -~]?)")
_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]"
)


def inert(text: str) -> str:
    """Return `text` safe to print on a terminal: escape sequences and controls removed.

    Keeps newlines and tabs; removes ESC sequences whole (so `ESC ] 0 ; title BEL` cannot set a
    window title), other C0 and C1 controls, DEL, bidirectional overrides and isolates, and
    U+2028/U+2029. Every line the command line prints that may hold user text (names, team
    names, explanations, change lists) passes through here (docs/cli.md#output).
    """
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


def and_list(items: list[str]) -> str:
    """Join words for a sentence: 'A', 'A and B', 'A, B and C'."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def plural(count: int, noun: str, many: str | None = None) -> str:
    """Count a noun in English: '1 shadow shift', '2 shadow shifts', '0 teams'.

    `many` is the plural when adding 's' is wrong ('1 person', '3 people'). Every count a user
    reads goes through here, so no sentence says '1 shifts'.
    """
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


def is_are(count: int) -> str:
    """Return the verb that agrees with a count: '1 of 8 members is', '2 of 8 members are'."""
    return "is" if count == 1 else "are"


def name_of(org: Org, person: str) -> str:
    """Return a person's display name, or the id itself when the org does not know it."""
    known = org.people_by_id.get(person)
    return known.name if known else person


def names(org: Org, people: Iterable[str], most: int = 6) -> str:
    """List people by name, comma-separated, the first `most` then 'and N more'."""
    listed = [name_of(org, p) for p in people]
    extra = f" and {len(listed) - most} more" if len(listed) > most else ""
    return ", ".join(listed[:most]) + extra


def local_clock(instant: datetime, zone_name: str) -> str:
    """Show an instant on a zone's wall clock: 'Mon 2027-02-08 10:00' (English day names)."""
    local = instant.astimezone(ZoneInfo(zone_name))
    return f"{DAY_NAMES[local.weekday()]} {local:%Y-%m-%d %H:%M}"


def shift_label(org: Org, shift: Shift) -> str:
    """Name a shift in its team's local time: 'Search, shift Mon 2027-02-08 10:00 – ...'."""
    team = org.teams_by_id.get(shift.team)
    zone_name = team.timezone if team else "UTC"
    where = f"{zone_name}, {shift.site} slot" if shift.site else zone_name
    return (
        f"{team.name if team else shift.team}, shift {local_clock(shift.start, zone_name)} – "
        f"{local_clock(shift.end, zone_name)} ({where})"
    )


def duration(span: timedelta) -> str:
    """Format a span like `1d 12h` (days, hours, minutes; '0h' when empty)."""
    days, rest_minutes = divmod(int(span.total_seconds()) // 60, 24 * 60)
    hours, minutes = divmod(rest_minutes, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    return " ".join(parts) or "0h"
