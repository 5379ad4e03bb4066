"""`rota plan`: plan an org file's quarter into files, or the org in the database into a draft."""

from __future__ import annotations

import csv
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import click

from scheduler.cli.common import (
    EXIT_NOT_FOUND,
    BadInput,
    echo_changes,
    load_org_file,
    no_plan,
    parse_date,
    parse_time,
    plan_fields,
    show_progress,
    warn,
)
from scheduler.cli.db import plan_in_database
from scheduler.domain.model import ROLES, Assignment, Problem
from scheduler.domain.shifts import make_problem
from scheduler.domain.text import plural
from scheduler.solve import SolveOptions, plan_or_explain


class NotFound(click.ClickException):
    """No plan was found within the time limit, and none was proven impossible: exit 3."""

    exit_code = EXIT_NOT_FOUND


@click.command()
@click.argument("orgfile", type=click.Path(dir_okay=False), required=False)
@click.option(
    "--start",
    callback=parse_date,
    help="First day, e.g. 2027-01-04 (with --db: default the Monday after the latest plan).",
)
@click.option("--weeks", type=click.IntRange(1, 104), default=13, show_default=True)
@click.option(
    "--out", "out_dir", type=click.Path(file_okay=False), default="out", show_default=True
)
@click.option("--previous", type=click.Path(dir_okay=False), help="A previous plan.csv to keep.")
@click.option("--now", callback=parse_time, help="With --previous: shifts before this are kept.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout.")
@click.option("--time-limit", type=click.FloatRange(1, 3600), default=60, show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=SolveOptions.num_workers,
    show_default=True,
    help="CP-SAT workers; above 1 they search interleaved, so plans stay reproducible.",
)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--tolerance",
    type=click.FloatRange(0, 1),
    default=0.02,
    show_default=True,
    help="With --previous: how far above the best max load ratio (a fraction) the re-plan may "
    "go to change fewer assignments.",
)
@click.option(
    "--db",
    "db_url",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[URL]",
    help="Plan the org in the database instead of a file and store a draft "
    "(URL default: $ROTA_DATABASE_URL, else sqlite:///rota.sqlite).",
)
@click.option(
    "--org", "org_name", help="With --db: the org to plan (needed when there are several)."
)
def plan(
    orgfile,
    start,
    weeks,
    out_dir,
    previous,
    now,
    as_json,
    time_limit,
    workers,
    seed,
    tolerance,
    db_url,
    org_name,
):
    """Plan ORGFILE's rotations for WEEKS weeks from START; write CSVs and feeds to OUT.

    With --db instead of ORGFILE: plan the org kept in the database and store the plan as a
    draft (publish it with `rota publish`); no files are written.
    """
    if db_url is not None:
        if orgfile or previous:
            raise BadInput("--db plans the org in the database: give no ORGFILE or --previous")
        options = SolveOptions(
            time_limit=time_limit,
            num_workers=workers,
            seed=seed,
            progress=None if as_json or not sys.stderr.isatty() else show_progress,
        )
        plan_in_database(db_url or None, org_name, start, weeks, options, as_json)
        return
    if not orgfile:
        raise BadInput("give an ORGFILE to plan, or --db to plan the org in the database")
    if start is None:
        raise BadInput("Missing option '--start' (the first day, e.g. 2027-01-04)")
    org = load_org_file(orgfile)
    from scheduler.domain.feedfiles import feed_files

    try:
        feed_files(org)  # before the solve: a clash of feed file names is the org file's fault
    except ValueError as err:
        raise BadInput(f"{orgfile}: {err}") from None
    problem = make_problem(org, start, weeks)
    if previous:
        problem = _with_previous(problem, previous, now)
    options = SolveOptions(
        time_limit=time_limit,
        num_workers=workers,
        seed=seed,
        tolerance=tolerance,
        progress=None if as_json or not sys.stderr.isatty() else show_progress,
    )
    started = time.monotonic()
    outcome = plan_or_explain(problem, options)
    seconds = time.monotonic() - started
    if options.progress:
        click.echo("\r\033[K", nl=False, err=True)
    if outcome.plan is None and not outcome.proven:
        raise NotFound(" ".join(outcome.explanation))
    if outcome.plan is None:
        no_plan(outcome.explanation, as_json, solve_seconds=seconds)
    from scheduler.domain.changes import changes
    from scheduler.domain.feedfiles import write_feeds
    from scheduler.domain.reports import fairness_frame, plan_frame, summary_text

    result, report, bound = outcome.plan, outcome.report, outcome.lower_bound
    changed = changes(problem, result) if problem.previous else None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    plan_frame(org, result).to_csv(out / "plan.csv", index=False)
    fairness_frame(org, report).to_csv(out / "fairness.csv", index=False)
    feeds = write_feeds(org, result, out / "feeds", now=now or datetime.now(UTC), warn=warn)
    if as_json:
        click.echo(
            json.dumps(
                plan_fields(result, report, bound, changed) | {"out": str(out), "feeds": len(feeds)}
            )
        )
    else:
        click.echo(summary_text(org, result, report, result.solve_seconds))
        echo_changes(changed, "changed from --previous")
        click.echo(
            f"\nwrote {out / 'plan.csv'}, {out / 'fairness.csv'}, {plural(len(feeds), 'feed')}"
        )


def _with_previous(problem: Problem, path: str, now: datetime | None) -> Problem:
    """Read a previous plan.csv and attach it to the problem, matched to this horizon's shifts."""
    if now is None:
        raise BadInput("--previous needs --now: the time before which shifts are kept")
    by_key = {(s.team, s.start): s for s in problem.shifts}
    previous = []
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames != ["team", "role", "start", "end", "person"]:
                raise BadInput(f"{path}: line 1: header must be team,role,start,end,person")
            for line, row in enumerate(reader, start=2):
                previous.append(_previous_row(problem, by_key, path, line, row))
    except OSError as err:
        raise BadInput(f"{path}: cannot read ({err.strerror})") from None
    except UnicodeDecodeError as err:
        raise BadInput(f"{path}: not UTF-8 text (byte {err.start})") from None
    return Problem(
        org=problem.org,
        horizon=problem.horizon,
        shifts=problem.shifts,
        previous=tuple(a for a in previous if a is not None),
        now=now,
    )


def _previous_row(problem, by_key, path, line, row) -> Assignment | None:
    try:
        start = datetime.fromisoformat(row["start"]).astimezone(UTC)
    except (TypeError, ValueError):
        raise BadInput(f"{path}: line {line}: start {row['start']!r} is not an ISO time") from None
    if row["person"] not in problem.org.people_by_id:
        raise BadInput(f"{path}: line {line}: unknown person {row['person']!r}")
    if row["role"] not in ROLES:
        raise BadInput(f"{path}: line {line}: unknown role {row['role']!r}")
    shift = by_key.get((row["team"], start))
    if shift is None:
        return None  # a shift outside this horizon or of a changed rotation: nothing to keep
    return Assignment(shift=shift, role=row["role"], person=row["person"])
