"""`rota import-history`: past on-call from another tool's calendar export (docs/history.md)."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime

import click

from scheduler.cli.common import (
    EXIT_BAD_INPUT,
    BadInput,
    actor,
    database,
    db_option,
    load_org_file,
    now,
    org_row,
    parse_time,
)
from scheduler.domain import model


@click.command("import-history")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--team", "team_key", metavar="ID", help="The team of an iCalendar file's shifts.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in model.Role]),
    default="primary",
    show_default=True,
    help="The role of an iCalendar file's shifts (CSV rows name their own).",
)
@click.option(
    "--org",
    "org_file",
    metavar="ORGFILE",
    help="Read the org from this file instead of the database; print the history entries "
    "to add to it (nothing is written).",
)
@click.option(
    "--person",
    "person_key",
    metavar="ID",
    help="Every event is this person's shift (a personal feed, such as GoAlert's, that names "
    "only the schedule).",
)
@click.option("--org-name", help="With the database: the org (needed when there are several).")
@db_option
@click.option("--dry-run", is_flag=True, help="Show what would be added; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option(
    "--now",
    "until",
    callback=parse_time,
    help="Shifts ending after this are not history yet [default: the current time].",
)
def import_history(
    file, team_key, role, person_key, org_file, org_name, db_url, dry_run, as_json, until
):
    """Add the shifts of FILE, an on-call calendar exported from PagerDuty, Opsgenie, Grafana
    OnCall or GoAlert (.ics, one event per shift) or a CSV of `team,role,start,end,person`, to
    the team's history, so the next plan counts them.

    People are matched by email (any case), then full name, then id. Nothing is added unless
    every event is understood and every person known; importing a file again adds nothing new.
    """
    until = until or now()
    data = _read(file)
    if org_file:
        org = load_org_file(org_file)
        matched = _match(file, data, org, (team_key, role, person_key), until, as_json)
        _report(file, matched, added=None, already=(), dry_run=True, as_json=as_json)
        if not as_json:
            _print_entries(matched.shifts)
        return
    from scheduler import store
    from scheduler.services import history

    with database(db_url) as sessions, sessions.begin() as session:
        row = org_row(session, org_name)
        org = store.org_from_rows(session, row)
        matched = _match(file, data, org, (team_key, role, person_key), until, as_json)
        if dry_run:
            _report(file, matched, added=None, already=(), dry_run=True, as_json=as_json)
            return
        try:
            result = history.add_history(
                session, row, matched.shifts, actor(), now(), os.path.basename(file)
            )
        except history.HistoryImportError as err:
            raise BadInput(f"{file}: {err} (nothing was imported)") from None
    _report(file, matched, result.added, result.already, dry_run=False, as_json=as_json)


def _read(path: str) -> bytes:
    from scheduler.domain.calendars import LONGEST_FILE

    try:
        if os.path.getsize(path) > LONGEST_FILE:
            raise BadInput(f"{path}: the file is over {LONGEST_FILE:,} bytes")
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as err:
        raise BadInput(f"{path}: cannot read ({err.strerror})") from None


def _match(path: str, data: bytes, org: model.Org, given: tuple, until: datetime, as_json: bool):
    """Read and match the file; anything not understood, or anyone unknown, is bad input."""
    from scheduler.domain import calendars

    team_key, role, person_key = given
    teams = {t.id: t for t in org.teams}
    if person_key is not None and person_key not in org.people_by_id:
        raise BadInput(f"--person: the org has no person {person_key!r}")
    try:
        if path.lower().endswith(".csv"):
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise BadInput(f"{path}: not UTF-8 text") from None
            zones = {key: team.timezone for key, team in teams.items()}
            shifts = calendars.read_csv(text, path, zones)
        else:
            if not team_key:
                raise BadInput(f"{path}: an iCalendar file needs --team (the team it covers)")
            if team_key not in teams:
                known = ", ".join(sorted(teams)) or "none"
                raise BadInput(f"--team: the org has no team {team_key!r} (teams: {known})")
            shifts = calendars.read_ics(data, path, teams[team_key].timezone, until)
        matched = calendars.match_people(shifts, org, team_key, role, path, person_key)
    except calendars.CalendarError as err:
        raise BadInput(f"{err} (nothing was imported)") from None
    if matched.unmatched:
        _refuse_unmatched(path, matched, as_json)
    return matched


def _refuse_unmatched(path: str, matched, as_json: bool) -> None:
    count = len(matched.unmatched)
    who = "1 person in the file is" if count == 1 else f"{count} people in the file are"
    lines = [f"{path}: {who} not in the org:"]
    for label, events in matched.unmatched.items():
        shown = ", ".join(f"{uid} at {start:%Y-%m-%dT%H:%MZ}" for uid, start in events[:5])
        more = f" and {len(events) - 5} more" if len(events) > 5 else ""
        lines.append(f"  {label}: {shown}{more}")
    lines.append("add them to the org (with their email) or fix the file; nothing was imported")
    if as_json:
        click.echo(json.dumps(_payload(matched, None, ())))
    click.echo("\n".join(lines), err=True)
    sys.exit(EXIT_BAD_INPUT)


def _payload(matched, added, already) -> dict:
    return {
        "shifts": [s.as_json() for s in matched.shifts],
        "unmatched": [
            {
                "person": label,
                "events": [
                    {"uid": uid, "start": start.isoformat().replace("+00:00", "Z")}
                    for uid, start in events
                ],
            }
            for label, events in matched.unmatched.items()
        ],
        "skipped": list(matched.skipped),
        "added": None if added is None else len(added),
        "already_in_history": len(already),
    }


def _report(path, matched, added, already, dry_run: bool, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(_payload(matched, added, already)))
        return
    count = len({s.person for s in matched.shifts})
    people = "1 person" if count == 1 else f"{count} people"
    for sentence in matched.skipped:
        click.echo(f"skipped: {sentence}", err=True)
    if dry_run:
        click.echo(f"{path}: would add {_shifts(len(matched.shifts))} of {people}")
        return
    click.echo(
        f"{path}: added {_shifts(len(added))} of {people} to history"
        + (f"; {len(already)} were already there" if already else "")
    )


def _print_entries(shifts) -> None:
    """Print the shifts as org-file `history:` entries (docs/org-file.md#history)."""
    click.echo("history:")
    for s in shifts:
        start, end = (t.isoformat().replace("+00:00", "Z") for t in (s.start, s.end))
        click.echo(
            f'  - {{team: {s.team}, role: {s.role}, person: {s.person}, start: "{start}", '
            f'end: "{end}"}}'
        )


def _shifts(count: int) -> str:
    return "1 shift" if count == 1 else f"{count} shifts"
