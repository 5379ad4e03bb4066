"""Benchmark the planner: solve time, fairness and the gap to the proven bounds, case by case.

    .venv/bin/python bench/plan.py                    # every case, median of 3 solves
    .venv/bin/python bench/plan.py --quick --cases team8,b1
    .venv/bin/python bench/plan.py --quick --cases team8,b1 --sweep-workers 1,2,8

One row per case: the median wall time of `solve()` over `--repeats` runs (same seed), and for
the median run its status, its max load ratio (measured by `fairness_report` on the plan, not
taken from the solver), the max-flow lower bound (`fairness.lower_bound`), the solver's proven
bound (`plan.solver_bound`), the gap to the better of the two, the reference figure where one
exists, and the time at which the max load ratio was proven (from the progress callback).
A second table splits the median run into phases by wrapping the solver's own steps; nothing in
`scheduler/` is changed. Timings are medians; a fixed pure-Python workload, timed in the same
process before and after, gives the machine's speed for comparing runs across machines, and a
fixed CP-SAT model gives the wall clock a deterministic second of search costs on it
(`cpsat_seconds`): the solver's budgets are deterministic, so that sets every solve time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import orgs

from scheduler.domain.fairness import fairness_report
from scheduler.domain.model import INFEASIBLE, OPTIMAL, Plan, Problem
from scheduler.domain.orgfile import load_org
from scheduler.domain.points import DayCalendar
from scheduler.domain.shifts import make_problem
from scheduler.solve import phase1, spread
from scheduler.solve import phases as solver_module
from scheduler.solve.bound import lower_bound
from scheduler.solve.formulation import independent_groups
from scheduler.solve.options import RATIO
from scheduler.solve.phases import Progress, SolveOptions, solve

REPO = Path(__file__).resolve().parent.parent
SHARED = Path("../shared/benchmarks")  # relative to the repository
BENCH_START = date(2027, 4, 5)
SEARCHING = (solver_module, phase1, spread)  # the modules that make CP-SAT solvers


class Skip(Exception):
    """A case that cannot run here (a missing file); the message says why."""


@dataclass(frozen=True)
class Target:
    """What a case must meet: wall seconds (of `rota plan` when the case has an org file, else
    of `solve()`), and optionally a ratio gap (%), a proven ratio, a spread gap (%), a ratio at
    or below a published figure, peak memory (MB)."""

    seconds: float
    gap: float | None = None
    ratio_proven: bool = False
    spread_gap: float | None = None
    ratio_at_most: float | None = None
    memory_mb: float | None = None

    def describe(self) -> str:
        parts = [f"<= {self.seconds:g} s"]
        if self.ratio_proven:
            parts.append("ratio proven")
        if self.gap is not None:
            parts.append(f"ratio gap <= {self.gap:g}%")
        if self.spread_gap is not None:
            parts.append(f"spread gap <= {self.spread_gap:g}%")
        if self.ratio_at_most is not None:
            parts.append(f"ratio <= {self.ratio_at_most:.4f}")
        if self.memory_mb is not None:
            parts.append(f"<= {self.memory_mb:g} MB")
        return ", ".join(parts)


@dataclass(frozen=True)
class Case:
    name: str
    describe: str
    problem: Callable[[], Problem]
    reference: str = ""  # the published figure, for the table
    reference_best: float | None = None  # the best max load ratio published for the case
    reference_optimal: bool = False  # whether that figure is a proven optimum
    target: Target | None = None  # what the case must meet (issue 7), checked after the run
    # (org file, start): also time `rota plan` on it; for a generated org the "file" is the
    # bench.orgs call that makes it, handed to `rota plan` in place of reading a file
    command: tuple[str, str] | None = None


def _file_problem(relative: Path, start: date, weeks: int = 13) -> Callable[[], Problem]:
    def load() -> Problem:
        path = REPO / relative
        if not path.exists():
            raise Skip(f"{relative} not found")
        return make_problem(load_org(path), start, weeks)

    return load


CASES: tuple[Case, ...] = (
    Case(
        "team8",
        "8 people, weekly, primary+secondary, 7d rest, roster 6, Berlin/DE, leave + history",
        lambda: make_problem(orgs.weekly_team_8(), orgs.START, 13),
        target=Target(seconds=3, ratio_proven=True, spread_gap=0.0),
        command=("orgs.weekly_team_8()", str(orgs.START)),
    ),
    Case(
        "team.yaml",
        "data/team.yaml --start 2027-01-04 --weeks 13 (one weekly team of 8)",
        _file_problem(Path("data/team.yaml"), date(2027, 1, 4)),
        command=("data/team.yaml", "2027-01-04"),
        target=Target(seconds=3, ratio_proven=True, spread_gap=0.0),
    ),
    Case(
        "team20",
        "20 people, daily, primary+secondary, 2d rest, New York/US, leave + history",
        lambda: make_problem(orgs.daily_team_20(), orgs.START, 13),
    ),
    Case(
        "acme",
        "data/acme.yaml --start 2027-01-04 --weeks 13",
        _file_problem(Path("data/acme.yaml"), date(2027, 1, 4)),
        command=("data/acme.yaml", "2027-01-04"),
        target=Target(seconds=15, ratio_proven=True, spread_gap=1.0),
    ),
    Case(
        "b1",
        f"{SHARED}/b1_berlin_team.yaml --start 2027-04-05 --weeks 13",
        _file_problem(SHARED / "b1_berlin_team.yaml", BENCH_START),
        reference="1.0814 opt",
        reference_best=1.0814,
        reference_optimal=True,
        command=(f"{SHARED}/b1_berlin_team.yaml", "2027-04-05"),
        target=Target(seconds=15, ratio_at_most=1.0814),
    ),
    Case(
        "b2",
        f"{SHARED}/b2_two_sites.yaml --start 2027-04-05 --weeks 13",
        _file_problem(SHARED / "b2_two_sites.yaml", BENCH_START),
        reference="1.1407/LB 1.0702",
        reference_best=1.1407,
        command=(f"{SHARED}/b2_two_sites.yaml", "2027-04-05"),
        target=Target(seconds=15, ratio_at_most=1.1407),
    ),
    Case(
        "org300",
        "generated: 40 teams, 300 people, 10% in two rotations inside departments of five",
        lambda: make_problem(orgs.big_org(), orgs.START, 13),
    ),
    Case(
        "conn300",
        "connected: 40 teams, 300 people, 10% in a second rotation anywhere, IC pool of 16",
        lambda: make_problem(orgs.connected_org(40, 300, 16), orgs.START, 13),
        target=Target(seconds=60, gap=1.0),
        command=("orgs.connected_org(40, 300, 16)", str(orgs.START)),
    ),
    Case(
        "conn1200",
        "connected: 150 teams, 1,200 people, 10% in a second rotation anywhere, IC pool of 16",
        lambda: make_problem(orgs.connected_org(150, 1200, 16), orgs.START, 13),
        target=Target(seconds=90, gap=2.0, memory_mb=2048),
        command=("orgs.connected_org(150, 1200, 16)", str(orgs.START)),
    ),
)
CASE_NAMES = tuple(c.name for c in CASES)


# --- instrumentation ----------------------------------------------------------------------


@dataclass
class Run:
    """One timed solve, with what the probes saw."""

    seconds: float = 0.0
    plan: Plan | None = None
    error: str | None = None
    phases: dict[str, float] = field(default_factory=dict)
    events: list[Progress] = field(default_factory=list)
    calls: list[tuple[str, float, str]] = field(default_factory=list)  # phase, seconds, status
    groups: list[dict] = field(default_factory=list)  # phase-1 result per independent group

    def proof_seconds(self) -> float | None:
        """When the max load ratio was proven: the end of phase 1, if the plan says so."""
        if self.plan is None or self.plan.status != OPTIMAL:
            return None
        return max((e.seconds for e in self.events if e.phase == RATIO), default=None)

    def seconds_within(self, percent: float) -> float | None:
        """When phase 1 held a plan within `percent` of the final proven bound (None: never).

        Groups are solved one after another, so that is the first event of the last group at
        which it, and every group before it, was within the margin.
        """
        plan = self.plan
        if plan is None or not plan.lower_bound:
            return None
        limit = plan.lower_bound * (1 + percent / 100)
        last: dict[int, float] = {}
        for e in self.events:
            if e.phase != RATIO or e.best is None:
                continue
            last[e.group] = e.best
            if e.group == e.groups and max(last.values()) <= limit:
                return e.seconds
        return None


class Probe:
    """Wrap the solver's steps (module globals of `scheduler.solve`'s modules) to time them."""

    STEPS = {
        "fairness_inputs": "inputs",
        "candidates": "eligibility",
        "lower_bound": "flow bound",
        "independent_groups": "groups",
        "build": "build",
        "smallest_max_ratio": "phase 1",
        "least_spread": "phase 2",
        "fewest_broken_wishes": "phase 3",
    }

    def __init__(self, run: Run):
        self.run = run
        self._local = threading.local()  # groups are solved side by side, a thread each

    @property
    def phase(self) -> str:
        return getattr(self._local, "phase", "prep")

    @phase.setter
    def phase(self, label: str) -> None:
        self._local.phase = label

    def on_progress(self, progress: Progress) -> None:
        self.run.events.append(progress)

    def _timed(self, name: str, label: str, fn: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            outer, self.phase = self.phase, label
            begun = time.perf_counter()
            try:
                result = fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - begun
                self.run.phases[label] = self.run.phases.get(label, 0.0) + elapsed
                self.phase = outer
            if name == "smallest_max_ratio":
                rm, group = args[0], result[0]
                self.run.groups.append(
                    {
                        "shifts": len(rm.shifts),
                        "people": len(rm.by_person),
                        "variables": len(rm.x),
                        "seconds": elapsed,
                        "best": group.best,
                        "bound": group.bound,
                    }
                )
            return result

        return wrapper

    def _make_solver(self, fn: Callable) -> Callable:
        def wrapper(*args, **kwargs):
            cp_solver = fn(*args, **kwargs)
            inner = cp_solver.solve

            def timed_solve(*a, **k):
                begun = time.perf_counter()
                status = inner(*a, **k)
                self.run.calls.append(
                    (self.phase, time.perf_counter() - begun, cp_solver.status_name(status))
                )
                return status

            cp_solver.solve = timed_solve
            return cp_solver

        return wrapper

    @contextmanager
    def installed(self):
        saved = {}
        for name, label in self.STEPS.items():
            if hasattr(solver_module, name):
                saved[(solver_module, name)] = getattr(solver_module, name)
                setattr(solver_module, name, self._timed(name, label, getattr(solver_module, name)))
        for module in SEARCHING:
            saved[(module, "cp_solver")] = module.cp_solver
            module.cp_solver = self._make_solver(module.cp_solver)
        rules = solver_module.rules
        saved[(rules, "assert_valid")] = rules.assert_valid
        rules.assert_valid = self._timed("assert_valid", "check", rules.assert_valid)
        try:
            yield self
        finally:
            for (module, name), fn in saved.items():
                setattr(module, name, fn)


def solve_once(problem: Problem, time_limit: float, workers: int, seed: int) -> Run:
    run = Run()
    probe = Probe(run)
    options = SolveOptions(
        time_limit=time_limit, num_workers=workers, seed=seed, progress=probe.on_progress
    )
    with probe.installed():
        begun = time.perf_counter()
        try:
            run.plan = solve(problem, options)
        except Exception as err:  # noqa: BLE001 - a benchmark reports failures and goes on
            run.error = f"{type(err).__name__}: {err}".splitlines()[0][:100]
            if os.environ.get("BENCH_TRACEBACK"):
                traceback.print_exc()
        run.seconds = time.perf_counter() - begun
    return run


# `rota plan` on a generated org: the org is built (about as long as reading its file would
# take) in place of `load_org_file`; everything else is the command as users run it.
GENERATED = f"""
import sys
sys.path[:0] = [{str(Path(__file__).resolve().parent)!r}, {str(REPO)!r}]
import orgs
from scheduler.cli import main, plan
org = eval(sys.argv[1], {{"orgs": orgs}})
plan.load_org_file = lambda path: org
main(sys.argv[2:], prog_name="rota")
"""


def run_command(case: Case, time_limit: float, workers: int, seed: int) -> tuple[float, dict]:
    """Time the whole `rota plan ORGFILE --json` on the case's org file; return seconds, JSON."""
    orgfile, start = case.command
    rota = REPO / ".venv" / "bin" / "rota"
    argv = [str(rota)] if rota.exists() else [sys.executable, "-m", "scheduler.cli"]
    if orgfile.startswith("orgs."):  # a generated org: made where the file would be read
        argv = [sys.executable, "-c", GENERATED, orgfile]
    with tempfile.TemporaryDirectory() as out:
        argv += [
            "plan", orgfile, "--start", start, "--weeks", "13", "--json", "--out", out,
            "--time-limit", f"{time_limit:g}", "--workers", str(workers), "--seed", str(seed),
        ]  # fmt: skip
        begun = time.perf_counter()
        done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - begun
    try:
        return seconds, json.loads(done.stdout)
    except json.JSONDecodeError:
        return seconds, {"error": done.stderr.strip().splitlines()[-1:] or ["no output"]}


# --- the baseline -------------------------------------------------------------------------


def baseline_workload() -> int:
    """A fixed pure-Python workload (dicts, tuples, integer arithmetic) of about 0.1 s."""
    table: dict[tuple[int, int], int] = {}
    total = 0
    for i in range(150_000):
        key = (i % 997, i % 991)
        table[key] = table.get(key, 0) + i * i % 7
        total += table[key]
    return total


def baseline_seconds(times: int = 5) -> float:
    samples = []
    for _ in range(times):
        begun = time.perf_counter()
        baseline_workload()
        samples.append(time.perf_counter() - begun)
    return statistics.median(samples)


def cpsat_seconds(times: int = 3) -> float:
    """Return CP-SAT's wall-clock seconds per deterministic second on a fixed model (median).

    The planner's budgets are deterministic time, so this is what turns them into wall clock
    on a given machine: compare it across machines before comparing their solve times. The
    model is a 40 x 40 assignment with 400 random conflicts (seeded), one worker, and a
    budget of 0.4 deterministic seconds that it always spends.
    """
    from ortools.sat.python import cp_model

    rng = random.Random(1)
    model = cp_model.CpModel()
    n = 40
    x = [[model.new_bool_var(f"x{i}_{j}") for j in range(n)] for i in range(n)]
    for i in range(n):
        model.add_exactly_one(x[i])
        model.add_exactly_one(row[i] for row in x)
    for _ in range(400):
        a, b, c, d = (rng.randrange(n) for _ in range(4))
        model.add_bool_or([x[a][b].Not(), x[c][d].Not()])
    model.minimize(sum(rng.randint(0, 100) * x[i][j] for i in range(n) for j in range(n)))
    samples = []
    for _ in range(times):
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 1
        solver.parameters.max_deterministic_time = 0.4
        begun = time.perf_counter()
        solver.solve(model)
        spent = max(solver.response_proto.deterministic_time, 1e-3)
        samples.append((time.perf_counter() - begun) / spent)
    return statistics.median(samples)


# --- the table ----------------------------------------------------------------------------


@dataclass
class Row:
    case: Case
    people: int = 0
    teams: int = 0
    groups: int = 0
    shifts: int = 0
    runs: list[Run] = field(default_factory=list)
    flow: float | None = None
    flow_seconds: float = 0.0
    ratio: float | None = None
    report_seconds: float = 0.0
    note: str = ""
    commands: list[tuple[float, dict]] = field(default_factory=list)  # (seconds, --json output)
    memory_mb: float = 0.0  # peak resident memory of this process after the case

    @property
    def command_seconds(self) -> float | None:
        return statistics.median(s for s, _ in self.commands) if self.commands else None

    @property
    def spread_gap(self) -> float | None:
        plan = self.median.plan if self.median else None
        return None if plan is None or plan.spread_gap is None else 100 * plan.spread_gap

    def target(self) -> tuple[bool, str] | None:
        """Whether the case meets its target (medians), and the figures that say so."""
        target = self.case.target
        if target is None or self.seconds is None or self.median.plan is None:
            return None
        plan = self.median.plan
        seconds = self.command_seconds if self.commands else self.seconds
        checks = [seconds <= target.seconds]
        if target.ratio_proven:
            checks.append(plan.status == OPTIMAL)
        if target.gap is not None:
            checks.append(self.gap is not None and self.gap <= target.gap)
        if target.spread_gap is not None:
            checks.append(self.spread_gap is not None and self.spread_gap <= target.spread_gap)
        if target.ratio_at_most is not None:
            checks.append(self.ratio is not None and self.ratio <= target.ratio_at_most + 1e-4)
        if target.memory_mb is not None:
            checks.append(self.memory_mb <= target.memory_mb)
        figures = (
            f"{seconds:.1f} s{' (rota plan)' if self.commands else ''}, {plan.status}, "
            f"ratio {_f(self.ratio, '.4f')}, gap {_f(self.gap, '.2f')}%, "
            f"spread gap {_f(self.spread_gap, '.2f')}%, {self.memory_mb:.0f} MB"
        )
        return all(checks), figures

    @property
    def median(self) -> Run | None:
        done = sorted(self.runs, key=lambda r: r.seconds)
        return done[(len(done) - 1) // 2] if done else None

    @property
    def seconds(self) -> float | None:
        return statistics.median(r.seconds for r in self.runs) if self.runs else None

    @property
    def bound(self) -> float | None:
        run = self.median
        known = [b for b in (self.flow, run.plan.solver_bound if run and run.plan else None) if b]
        return max(known) if known else None

    @property
    def gap(self) -> float | None:
        if self.ratio is None or not self.bound:
            return None
        gap = 100 * (self.ratio - self.bound) / self.bound
        # The solver works in 1/10,000 of a ratio with shares rounded up to 1/100 of a point, so
        # its bound can sit a hair above the exact ratio of an optimal plan: that is rounding.
        return 0.0 if -0.011 < gap < 0 else gap


def _f(value: float | None, spec: str, missing: str = "-") -> str:
    return missing if value is None else format(value, spec)


def measure(case: Case, args) -> Row:
    row = Row(case)
    try:
        problem = case.problem()
    except Skip as why:
        row.note = f"skipped: {why}"
        return row
    except Exception as err:  # noqa: BLE001 - e.g. an org file the loader rejects
        row.note = f"skipped: cannot load ({type(err).__name__}: {str(err).splitlines()[0]})"
        return row
    org = problem.org
    row.people, row.teams, row.shifts = len(org.people), len(org.teams), len(problem.shifts)
    row.groups = len(independent_groups(problem))
    calendar = DayCalendar(org)
    begun = time.perf_counter()
    row.flow = lower_bound(problem, calendar)
    row.flow_seconds = time.perf_counter() - begun
    for _ in range(args.repeats):
        row.runs.append(solve_once(problem, args.time_limit, args.workers, args.seed))
    row.memory_mb = peak_mb()
    if case.command and not args.no_command:
        for _ in range(args.repeats):
            row.commands.append(run_command(case, args.time_limit, args.workers, args.seed))
    run = row.median
    ratios = set()
    for r in row.runs:
        if r.plan is not None and r.plan.status != INFEASIBLE:
            begun = time.perf_counter()
            report = fairness_report(problem, r.plan.assignments, calendar)
            elapsed = time.perf_counter() - begun
            ratios.add(round(report.max_load_ratio, 4))
            if r is run:
                row.ratio, row.report_seconds = report.max_load_ratio, elapsed
    if run.error:
        row.note = run.error
    elif len({r.plan.assignments for r in row.runs if r.plan}) > 1:
        row.note = f"runs differ: ratios {sorted(ratios)}"
    return row


HEADER = (
    f"{'case':<9} {'people':>6} {'teams':>5} {'groups':>6} {'shifts':>6} {'solve s':>8} "
    f"{'xbase':>6} {'plan s':>7} {'status':<10} {'max ratio':>9} {'flow LB':>8} "
    f"{'solver LB':>9} {'gap %':>6} {'2% s':>6} {'proof s':>7} {'spread gap %':>12} {'MB':>5}"
    f"  {'reference':<17}"
)


def format_row(row: Row, base: float) -> str:
    run = row.median
    if run is None:
        return f"{row.case.name:<8} {row.note}"
    plan = run.plan
    status = plan.status if plan else "ERROR"
    gap = row.gap
    line = (
        f"{row.case.name:<9} {row.people:>6} {row.teams:>5} {row.groups:>6} {row.shifts:>6} "
        f"{row.seconds:>8.2f} {row.seconds / base:>6.0f} {_f(row.command_seconds, '.2f'):>7} "
        f"{status:<10} {_f(row.ratio, '.4f'):>9} {_f(row.flow, '.4f'):>8} "
        f"{_f(plan.solver_bound if plan else None, '.4f'):>9} {_f(gap, '.2f'):>6} "
        f"{_f(run.seconds_within(2.0), '.1f'):>6} {_f(run.proof_seconds(), '.2f'):>7} "
        f"{_f(row.spread_gap, '.2f'):>12} {row.memory_mb:>5.0f}  {row.case.reference:<17}"
    )
    return line + (f"  {row.note}" if row.note else "")


PHASES = ("inputs", "eligibility", "flow bound", "groups", "build", "phase 1", "phase 2")
PHASES += ("phase 3", "check")


def phase_table(rows: list[Row]) -> list[str]:
    lines = [
        "Phases of the median run, seconds (inside solve(), summed over the groups, which run"
        " side by side; 'report' is fairness_report after it; 'flow LB' is the bench's own"
        " lower_bound call):",
        f"{'case':<8} "
        + " ".join(f"{p:>11}" for p in PHASES)
        + f" {'report':>7} {'flow LB':>7}  CP-SAT calls",
    ]
    for row in rows:
        run = row.median
        if run is None:
            continue
        calls = run.calls
        timeouts = sum(1 for _, _, status in calls if status in ("UNKNOWN", "FEASIBLE"))
        by_phase: dict[str, list[float]] = {}
        for phase, seconds, _ in calls:
            by_phase.setdefault(phase, []).append(seconds)
        detail = ", ".join(
            f"{phase} {len(s)}x {sum(s):.1f}s" for phase, s in sorted(by_phase.items())
        )
        lines.append(
            f"{row.case.name:<8} "
            + " ".join(f"{run.phases.get(p, 0.0):>11.2f}" for p in PHASES)
            + f" {row.report_seconds:>7.2f} {row.flow_seconds:>7.2f}"
            + f"  {len(calls)} ({timeouts} not proven): {detail}"
        )
    return lines


def group_table(rows: list[Row]) -> list[str]:
    lines = ["Phase 1 per independent group (median run):"]
    for row in rows:
        run = row.median
        if run is None or not run.groups:
            continue
        # In solving order (smaller first), whatever order the threads finished in.
        for n, g in enumerate(sorted(run.groups, key=lambda g: g["variables"])):
            lines.append(
                f"  {row.case.name:<8} group {n:>2}: {g['shifts']:>4} shifts {g['people']:>3} "
                f"people {g['variables']:>6} vars  {g['seconds']:>6.2f} s  best "
                f"{g['best'] / 10_000:.4f} bound {g['bound'] / 10_000:.4f}"
                + ("" if g["best"] <= g["bound"] else "  (not proven)")
            )
    return lines


def sweep(cases: list[Case], counts: list[int], args) -> list[str]:
    """Phase-1 proof time against `num_workers`."""
    lines = [
        f"Phase 1 against num_workers (median of {args.repeats}; time limit {args.time_limit:g} "
        "s; proof = time the max load ratio was proven, phase 1 = its wall time):",
        f"{'case':<8} {'workers':>7} {'proof s':>8} {'phase 1 s':>9} {'solve s':>8} "
        f"{'status':<9} {'ratio':>7}  per run proof s",
    ]
    for case in cases:
        try:
            problem = case.problem()
        except Exception as err:  # noqa: BLE001
            lines.append(f"{case.name:<8} skipped: {err}")
            continue
        for workers in counts:
            runs = [
                solve_once(problem, args.time_limit, workers, args.seed)
                for _ in range(args.repeats)
            ]
            proofs = [r.proof_seconds() for r in runs]
            proven = [p for p in proofs if p is not None]
            run = sorted(runs, key=lambda r: r.seconds)[(len(runs) - 1) // 2]
            plan = run.plan
            lines.append(
                f"{case.name:<8} {workers:>7} "
                f"{_f(statistics.median(proven) if len(proven) == len(runs) else None, '.2f'):>8} "
                f"{statistics.median(r.phases.get('phase 1', 0.0) for r in runs):>9.2f} "
                f"{statistics.median(r.seconds for r in runs):>8.2f} "
                f"{plan.status if plan else 'ERROR':<9} "
                f"{_f(plan.max_load_ratio if plan else None, '.4f'):>7}  "
                + " ".join(_f(p, ".2f", "unproven") for p in proofs)
            )
    return lines


def scale_point(teams: int, args) -> dict:
    """Solve one connected org of `teams` teams in this process; return its figures."""
    people = 8 * teams
    pool = min(16, people // 10)
    problem = make_problem(orgs.connected_org(teams, people, pool), orgs.START, 13)
    runs = [solve_once(problem, args.time_limit, args.workers, args.seed)]
    run = runs[0]
    plan = run.plan
    return {
        "teams": teams,
        "people": people,
        "groups": len(independent_groups(problem)),
        "largest": max(g["variables"] for g in run.groups) if run.groups else 0,
        "seconds": run.seconds,
        "within_2": run.seconds_within(2.0),
        "status": plan.status if plan else run.error,
        "gap": None if plan is None or plan.ratio_gap is None else 100 * plan.ratio_gap,
        "spread_gap": None if plan is None or plan.spread_gap is None else 100 * plan.spread_gap,
        "memory_mb": peak_mb(),
    }


def peak_mb() -> float:
    """Return this process's peak resident memory in MB: VmHWM, which a new program starts
    afresh (Linux's ru_maxrss keeps the forking parent's peak across exec), else ru_maxrss."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scale_curve(sizes: list[int], args) -> list[str]:
    """The scale curve: each size in a fresh process (so peak memory is its own), median of
    `--repeats` by end time."""
    lines = [
        f"Scale curve: connected orgs, 8 people a team, IC pool of 16 (median of {args.repeats}):",
        f"{'teams':>5} {'people':>6} {'groups':>6} {'largest vars':>12} {'2% s':>6} "
        f"{'end s':>6} {'status':<9} {'gap %':>6} {'spread gap %':>12} {'MB':>6}",
    ]
    for teams in sizes:
        points = []
        for _ in range(args.repeats):
            argv = [sys.executable, __file__, "--scale-point", str(teams)]
            argv += ["--time-limit", f"{args.time_limit:g}", "--workers", str(args.workers)]
            argv += ["--seed", str(args.seed)]
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
            try:
                points.append(json.loads(done.stdout.strip().splitlines()[-1]))
            except (json.JSONDecodeError, IndexError):
                lines.append(f"{teams:>5} failed: {done.stderr.strip()[-200:]}")
                break
        if len(points) < args.repeats:
            continue
        p = sorted(points, key=lambda q: q["seconds"])[(len(points) - 1) // 2]
        lines.append(
            f"{teams:>5} {p['people']:>6} {p['groups']:>6} {p['largest']:>12} "
            f"{_f(p['within_2'], '.1f'):>6} {p['seconds']:>6.1f} {p['status']:<9} "
            f"{_f(p['gap'], '.2f'):>6} {_f(p['spread_gap'], '.2f'):>12} {p['memory_mb']:>6.0f}"
        )
    return lines


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in CASE_NAMES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(CASE_NAMES)}"
        )
    return names


def _counts(text: str) -> list[int]:
    try:
        return [int(n) for n in text.split(",") if n.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a list like 1,2,8") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--time-limit",
        type=float,
        default=SolveOptions.time_limit,
        help=f"per solve (default {SolveOptions.time_limit:g}, as rota plan's)",
    )
    parser.add_argument(
        "--workers", type=int, default=SolveOptions.num_workers, help="CP-SAT workers"
    )
    parser.add_argument(
        "--no-command", action="store_true", help="do not time `rota plan` on the org files"
    )
    parser.add_argument(
        "--scale",
        type=_counts,
        metavar="N,N,..",
        help="also the scale curve: connected orgs of N teams (8 people a team), one process each",
    )
    parser.add_argument("--scale-point", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=3, help="solves per case (default 3)")
    parser.add_argument("--quick", action="store_true", help="one solve per case")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cases", type=_names, default=list(CASE_NAMES), help=",".join(CASE_NAMES))
    parser.add_argument(
        "--sweep-workers",
        type=_counts,
        metavar="N,N,..",
        help="also time phase-1 proofs against num_workers (e.g. 1,2,8)",
    )
    parser.add_argument(
        "--sweep-cases", type=_names, default=["team8", "b1"], help="cases for --sweep-workers"
    )
    parser.add_argument("--no-main", action="store_true", help="only the --sweep-workers table")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats = 1
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    if args.scale_point:
        print(json.dumps(scale_point(args.scale_point, args)))
        return 0
    base = baseline_seconds()
    print(
        f"rota bench: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"workers {args.workers}, time limit {args.time_limit:g} s, repeats {args.repeats}, "
        f"seed {args.seed}"
    )
    print(f"baseline: fixed pure-Python workload {base * 1000:.0f} ms (median of 5)")
    print(
        f"CP-SAT: {cpsat_seconds():.2f} s of wall clock per deterministic second on a fixed "
        "model (median of 3; the budgets are deterministic, so this sets the solve times)"
    )
    chosen = [c for c in CASES if c.name in args.cases]
    rows: list[Row] = []
    if not args.no_main:
        print()
        print(HEADER)
        for case in chosen:
            row = measure(case, args)
            rows.append(row)
            print(format_row(row, base), flush=True)
        after = baseline_seconds()
        print()
        print(
            f"baseline after: {after * 1000:.0f} ms ({100 * (after / base - 1):+.0f}%); "
            "xbase = solve seconds / baseline seconds"
        )
        team8 = next((r for r in rows if r.case.name == "team8" and r.seconds), None)
        if team8:
            ratios = [f"{r.case.name} {r.seconds / team8.seconds:.1f}x" for r in rows if r.seconds]
            print("relative to team8: " + ", ".join(ratios))
        print(
            "gap % = (max ratio - max(flow LB, solver LB)) / that bound; proof s = seconds into "
            "solve() when the max ratio was proven ('-': not proven); MB = the bench process's "
            "peak memory so far (cases run in the order shown)"
        )
        for row in rows:
            case = row.case
            if case.reference_best and row.ratio is not None:
                if case.reference_optimal and row.ratio < case.reference_best - 1e-4:
                    print(
                        f"NOTE {case.name}: max ratio {row.ratio:.4f} is below the published "
                        f"optimum {case.reference_best:.4f}: the two models measure the objective "
                        "differently (a rule or a load is missing on one side), not a better plan"
                    )
                elif row.ratio > case.reference_best + 1e-4:
                    print(
                        f"NOTE {case.name}: max ratio {row.ratio:.4f} is above the published "
                        f"best {case.reference_best:.4f}"
                    )
        print()
        print(f"Targets (issue 7; medians of {args.repeats}):")
        print(f"{'case':<9} {'target':<52} {'met':<6} figures")
        for row in rows:
            verdict = row.target()
            if verdict is not None:
                met, figures = verdict
                target = row.case.target.describe()
                print(f"{row.case.name:<9} {target:<52} {'yes' if met else 'NO':<6} {figures}")
        print()
        print("\n".join(phase_table(rows)))
        print()
        print("\n".join(group_table(rows)))
    if args.scale:
        print()
        print("\n".join(scale_curve(args.scale, args)))
    if args.sweep_workers:
        print()
        sweep_cases = [c for c in CASES if c.name in args.sweep_cases]
        print("\n".join(sweep(sweep_cases, args.sweep_workers, args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
