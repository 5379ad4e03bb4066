"""Benchmark the feeds over HTTP, a 304 revalidation and a swap, next to a static file.

    .venv/bin/python bench/feeds.py                    # SQLite file in a temporary folder
    .venv/bin/python bench/feeds.py --db postgresql://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/feeds.py --quick            # fewer requests, shorter loads

What it sets up, in this process, through the services the app uses:
  * the sample org (data/acme.yaml, 49 people) imported, its quarter planned by the solver and
    published; 1,200 people's feeds need more people than that, so renamed copies of the org
    ("Acme copy 01"...) are imported as orgs of their own, each publishing the same
    solver-made plan (solved once; the copies are identical problems): 25 orgs, 1,225 people,
    ~11,500 published shifts, and a feed token for every person. Swaps happen in the sample org.
  * the real server: `rota serve` (gunicorn, its default workers and threads, access log on) in
    a subprocess on a free loopback port.
  * a static file the size of the measured feed, written to web/static/bench-<pid>.ics for the
    run and deleted afterwards, served by the same server (Flask's static route).

What it measures, from this (second) process over loopback:
  * latency: one keep-alive connection, requests one after another (no queueing): median, p99.
  * throughput: `wrk` (when installed; else Python threads) with --connections keep-alive
    connections for --duration seconds: requests per second, with median and p99 under load.
  * rows: the static file (200, and 304 on If-None-Match), one person's feed (200, 304), all
    1,225 people's feeds in turn (warm), the first fetch of each feed (cold: the server records
    each event's revision then), and accepting a swap end to end through the web UI with a
    signed-in session: the Accept POST (the rulebook runs, the swap commits) until its
    redirect, and that plus re-fetching both people's feeds, whose ETags must have changed.
The machine is shared by the client and the server: compare rows within one run (the ratios
against the static file), not across machines.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

from sqlalchemy import create_engine, func, select, text

import web
from scheduler import store
from scheduler.domain.orgfile import load_org
from scheduler.services import accounts, importer, planning, swaps
from scheduler.solve import SolveOptions, plan_or_explain

REPO = Path(__file__).resolve().parent.parent
ROTA = Path(sys.executable).parent / "rota"
ORG_FILE = REPO / "data" / "acme.yaml"
PASSWORD = "bench-password-1"
ACTOR = "bench"


# --- the database ------------------------------------------------------------------------


@contextmanager
def bench_database(url: str | None, folder: Path) -> Iterator[str]:
    """Yield the URL to use: a fresh SQLite file, or a PostgreSQL schema of this run's own."""
    if url is None:
        yield f"sqlite:///{folder / 'bench.sqlite'}"
        return
    if not url.startswith("postgresql"):
        raise SystemExit("--db takes a postgresql:// URL (the default is a fresh SQLite file)")
    schema = f"rota_bench_{os.getpid()}"
    admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        separator = "&" if "?" in url else "?"
        yield f"{url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@dataclass
class Populated:
    org_id: int  # the sample org
    orgs: int
    people: int
    shifts: int
    tokens: dict[int, str]  # person id -> feed token (every person of every org)
    sample_people: list[int]  # ids of the sample org's people
    solve_seconds: float
    setup_seconds: float


def populate(url: str, people: int, start: date, weeks: int, options: SolveOptions) -> Populated:
    """Import the sample org and enough copies for `people`, plan, publish, issue feed tokens."""
    began = time.perf_counter()
    now = datetime.now(UTC)
    org = load_org(ORG_FILE)
    copies = max(0, math.ceil(people / len(org.people)) - 1)
    engine = store.make_engine(url)
    store.migrate(engine)
    sessions = store.session_factory(engine)
    with sessions.begin() as session:
        org_id = importer.import_org(session, org, ACTOR, now).org_id
        problem = planning.build_problem(session, org_id, start, weeks, now=now)
    print(f"planning {org.name}: {weeks} weeks from {start} (up to {options.time_limit:g} s)...")
    solving = time.perf_counter()
    solved = plan_or_explain(problem, options)
    solve_seconds = time.perf_counter() - solving
    if solved.plan is None:
        raise SystemExit("no plan: " + "; ".join(solved.explanation))
    org_ids = [org_id]
    with sessions.begin() as session:
        row = planning.store_draft(session, org_id, problem, solved, ACTOR, now)
        planning.publish(session, row.id, ACTOR, now)
    for n in range(1, copies + 1):
        copy = dataclasses.replace(org, name=f"{org.name} copy {n:02d}")
        with sessions.begin() as session:
            copy_id = importer.import_org(session, copy, ACTOR, now).org_id
            copy_problem = planning.build_problem(session, copy_id, start, weeks, now=now)
            row = planning.store_draft(session, copy_id, copy_problem, solved, ACTOR, now)
            planning.publish(session, row.id, ACTOR, now)
        org_ids.append(copy_id)
        print(f"\rimported and published {n}/{copies} copies", end="", flush=True)
    print()
    with sessions.begin() as session:
        person_rows = session.execute(
            select(store.PersonRow.id, store.PersonRow.org_id).order_by(store.PersonRow.id)
        ).all()
        tokens = {
            pid: accounts.issue_token(session, "feed", person_id=pid, now=now)
            for pid, _ in person_rows
        }
        shifts = session.scalar(select(func.count()).select_from(store.AssignmentRow))
    engine.dispose()
    return Populated(
        org_id=org_id,
        orgs=len(org_ids),
        people=len(person_rows),
        shifts=shifts,
        tokens=tokens,
        sample_people=[pid for pid, oid in person_rows if oid == org_id],
        solve_seconds=solve_seconds,
        setup_seconds=time.perf_counter() - began,
    )


# --- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def server(url: str, folder: Path, workers: int | None) -> Iterator[tuple[int, Path]]:
    """Run `rota serve` (gunicorn) on a free port; yield the port and its log file."""
    port = free_port()
    log = folder / "server.log"
    command = [str(ROTA), "serve", "--host", "127.0.0.1", "--port", str(port), "--db", url]
    if workers:
        command += ["--workers", str(workers)]
    env = {**os.environ, "ROTA_DATABASE_URL": url, "ROTA_INSTANCE_PATH": str(folder / "instance")}
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_until_up(port, process, log)
        yield port, log
    finally:
        process.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_up(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped at start:\n{log.read_text()[-3000:]}")
        with suppress(OSError):
            status, _, _ = Connection(port).get("/login")
            if status == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer within 60 s; see {log}")


def server_shape(log: Path) -> str:
    """Describe the server from gunicorn's log: its worker class and number of workers."""
    text_ = log.read_text(errors="replace")
    kind = re.search(r"Using worker: (\S+)", text_)
    booted = len(re.findall(r"Booting worker with pid", text_))
    return f"gunicorn, {booted} workers ({kind.group(1) if kind else '?'})"


# --- the client --------------------------------------------------------------------------


class Connection:
    """One keep-alive HTTP/1.1 connection to the server, with a cookie jar for sessions."""

    def __init__(self, port: int):
        self.port = port
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, headers=None, form=None):
        headers = dict(headers or {})
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.http.request(method, path, body=body, headers=headers)
                response = self.http.getresponse()
                content = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: open a new one, once.
                self.http.close()
                if attempt == 2:
                    raise
        for cookie in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(cookie)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, content

    def get(self, path: str, headers=None):
        return self.request("GET", path, headers)

    def csrf(self, path: str) -> tuple[str, str]:
        """GET a page; return its HTML and the CSRF token in its forms."""
        status, _, body = self.get(path)
        html = body.decode()
        found = re.search(r'name="csrf_token" value="([^"]+)"', html)
        if status != 200 or not found:
            raise RuntimeError(f"GET {path}: {status}, no form")
        return html, found.group(1)

    def sign_in(self, username: str) -> None:
        _, token = self.csrf("/login")
        status, _, _ = self.request(
            "POST", "/login", form={"username": username, "password": PASSWORD, "csrf_token": token}
        )
        if status != 302:
            raise RuntimeError(f"cannot sign in as {username}: {status}")


@dataclass
class Timing:
    """Latencies of one kind of request, in seconds."""

    samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.99 * len(ordered)) - 1)]


def sequential(
    port: int, paths: Sequence[str], count: int, headers=None, expect: int = 200, warmup: int = 20
) -> Timing:
    """Time `count` requests one after another on one keep-alive connection."""
    client = Connection(port)
    timing = Timing()
    for n in range(warmup + count):
        path = paths[n % len(paths)]
        began = time.perf_counter()
        status, _, _ = client.get(path, headers)
        elapsed = time.perf_counter() - began
        if status != expect:
            raise RuntimeError(f"GET {path}: {status}, expected {expect}")
        if n >= warmup:
            timing.samples.append(elapsed)
    return timing


@dataclass
class Load:
    requests_per_second: float
    median: float | None
    p99: float | None
    errors: str  # what went wrong, if anything ("" when every answer came)
    tool: str


def throughput(
    port: int,
    paths: Sequence[str],
    headers,
    connections: int,
    duration: float,
    folder: Path,
    use_wrk: bool = True,
) -> Load:
    if use_wrk and shutil.which("wrk"):
        return wrk(port, paths, headers or {}, connections, duration, folder)
    return python_load(port, paths, headers, connections, duration)


def wrk(port, paths, headers: dict, connections: int, duration: float, folder: Path) -> Load:
    """Run wrk with a script that cycles through `paths` and sends `headers`."""
    script = folder / "paths.lua"
    lua_paths = ",\n".join(f'  "{p}"' for p in paths)
    lua_headers = "\n".join(
        f"wrk.headers[{lua_string(k)}] = {lua_string(v)}" for k, v in headers.items()
    )
    script.write_text(
        f"local paths = {{\n{lua_paths}\n}}\n{lua_headers}\nlocal n = 0\n"
        "request = function()\n  n = n + 1\n"
        "  return wrk.format(nil, paths[(n % #paths) + 1])\nend\n"
    )
    threads = max(1, min(2, connections))
    result = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration:g}s", "--latency"]
        + ["--timeout", "30s"]  # a slow answer counts in the latencies, not as an error
        + ["-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        check=True,
    )
    out = result.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    problems = re.findall(r"(Non-2xx or 3xx responses: \d+|Socket errors: .*)", out)
    return Load(
        rate,
        wrk_time(re.search(r"\s50%\s+(\S+)", out).group(1)),
        wrk_time(re.search(r"\s99%\s+(\S+)", out).group(1)),
        "; ".join(problems),
        f"wrk -t{threads} -c{connections} -d{duration:g}s",
    )


def lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_time(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def python_load(port, paths, headers, connections: int, duration: float) -> Load:
    """Python threads, one keep-alive connection each (a fallback: wrk loads the CPU less)."""
    stop = time.perf_counter() + duration
    timings: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections

    def worker(i: int) -> None:
        client = Connection(port)
        n = i
        while time.perf_counter() < stop:
            began = time.perf_counter()
            status, _, _ = client.get(paths[n % len(paths)], headers)
            timings[i].append(time.perf_counter() - began)
            errors[i] += status >= 400
            n += 1

    began = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    every = Timing([t for per in timings for t in per])
    return Load(
        len(every.samples) / elapsed,
        every.median,
        every.p99,
        f"{sum(errors)} error statuses" if sum(errors) else "",
        f"Python, {connections} threads, {duration:g}s",
    )


# --- swaps -------------------------------------------------------------------------------


@dataclass
class SwapTimings:
    accept: Timing = field(default_factory=Timing)
    with_feeds: Timing = field(default_factory=Timing)
    refused: list[str] = field(default_factory=list)


def swap_candidates(sessions, org_id: int, used: set[int], now: datetime):
    """Yield (assignment, suggested taker) pairs of future shifts, checked against the plan now."""
    with sessions() as session:
        rows = session.scalars(
            select(store.AssignmentRow)
            .join(store.PlanRow)
            .where(
                store.PlanRow.org_id == org_id,
                store.PlanRow.state == planning.PUBLISHED,
                store.AssignmentRow.start > now,
            )
            .order_by(store.AssignmentRow.start.desc(), store.AssignmentRow.id)
        ).all()
        for row in rows:
            if row.id in used:  # a shift is swapped once; people may take part in several swaps
                continue
            takers = swaps.suggest_takers(session, row.id, limit=1)
            if takers:
                return row.id, row.person_id, row.person.key, takers[0]
    return None


def ensure_user(sessions, person_key: str, org_id: int, now: datetime) -> None:
    """Give a person of the sample org an account (username = person key) once."""
    with sessions.begin() as session:
        if accounts.user_by_name(session, person_key) is None:
            accounts.add_user(
                session, person_key, PASSWORD, person_key, org_id=org_id, actor=ACTOR, now=now
            )


def measure_swaps(url: str, populated: Populated, port: int, count: int) -> SwapTimings:
    """Offer a shift and accept it through the web UI, `count` times; time the accept."""
    engine = store.make_engine(url)
    sessions = store.session_factory(engine)
    result = SwapTimings()
    used: set[int] = set()
    try:
        for _ in range(count):
            now = datetime.now(UTC)
            found = swap_candidates(sessions, populated.org_id, used, now)
            if found is None:
                result.refused.append("no further shift has a taker")
                break
            assignment_id, giver_id, giver_key, taker = found
            used.add(assignment_id)
            ensure_user(sessions, giver_key, populated.org_id, now)
            ensure_user(sessions, taker.person_key, populated.org_id, now)
            giver, accepter = Connection(port), Connection(port)
            giver.sign_in(giver_key)
            _, token = giver.csrf(f"/shifts/{assignment_id}")
            status, _, _ = giver.request(
                "POST",
                f"/shifts/{assignment_id}/offer",
                form={"csrf_token": token, "to_person_id": taker.person_id},
            )
            if status != 302:
                raise RuntimeError(f"offer of shift {assignment_id}: {status}")
            accepter.sign_in(taker.person_key)
            html, token = accepter.csrf("/swaps")
            offered = re.findall(r'action="/swaps/(\d+)/accept"', html)
            if not offered:
                raise RuntimeError(f"{taker.person_key} sees no offer to accept")
            swap_id = max(int(s) for s in offered)
            feeds = [f"/feeds/{populated.tokens[p]}.ics" for p in (giver_id, taker.person_id)]
            reader = Connection(port)
            etags = [reader.get(path)[1]["ETag"] for path in feeds]

            began = time.perf_counter()
            status, headers, _ = accepter.request(
                "POST", f"/swaps/{swap_id}/accept", form={"csrf_token": token}
            )
            accepted = time.perf_counter()
            after = [reader.get(path) for path in feeds]
            fetched = time.perf_counter()

            page = accepter.get(headers.get("Location", "/swaps"))[2].decode()
            if status != 302 or "Swap accepted." not in page:
                message = re.search(r'class="flash error"[^>]*>([^<]*)<', page)
                result.refused.append(message.group(1) if message else f"status {status}")
                continue
            if any(s != 200 or h["ETag"] == e for (s, h, _), e in zip(after, etags, strict=True)):
                raise RuntimeError(f"swap {swap_id} was accepted but a feed did not change")
            result.accept.samples.append(accepted - began)
            result.with_feeds.samples.append(fetched - began)
    finally:
        engine.dispose()
    return result


# --- the run -----------------------------------------------------------------------------


@dataclass
class Row:
    what: str
    size: int | None
    latency: Timing | None
    load: Load | None = None


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.2f}"


def ratio(value: float | None, base: float | None) -> str:
    return "-" if value is None or not base else f"{value / base:.1f}x"


def table(rows: list[Row], static: Row) -> list[str]:
    base_latency = static.latency.median
    base_rate = static.load.requests_per_second if static.load else None
    head = (
        f"{'':44} {'bytes':>7} {'median':>8} {'p99':>8}  {'req/s':>8} {'median':>8} "
        f"{'p99':>8}  {'latency':>8} {'req/s':>8}"
    )
    lines = [
        f"{'':44} {'':>7} {'one connection, ms':^17}  {'loaded (see below), ms':^26}  "
        f"{'vs static 200':^17}",
        head,
        "-" * len(head),
    ]
    for row in rows:
        latency, load = row.latency, row.load
        lines.append(
            f"{row.what:44} {row.size if row.size is not None else '':>7} "
            f"{ms(latency.median if latency else None):>8} "
            f"{ms(latency.p99 if latency else None):>8}  "
            f"{f'{load.requests_per_second:.0f}' if load else '-':>8} "
            f"{ms(load.median if load else None):>8} {ms(load.p99 if load else None):>8}  "
            f"{ratio(latency.median if latency else None, base_latency):>8} "
            f"{ratio(base_rate, load.requests_per_second if load else None):>8}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", help="postgresql:// URL (default: a fresh SQLite file)")
    parser.add_argument("--people", type=int, default=1200, help="feeds to serve [1200]")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2027, 1, 4))
    parser.add_argument("--weeks", type=int, default=13)
    parser.add_argument("--time-limit", type=float, default=30, help="solver seconds [30]")
    parser.add_argument("--requests", type=int, default=1000, help="sequential requests [1000]")
    parser.add_argument("--connections", type=int, default=16, help="under load [16]")
    parser.add_argument("--duration", type=float, default=10, help="seconds of load [10]")
    parser.add_argument("--swaps", type=int, default=10, help="swaps to accept [10]")
    parser.add_argument("--workers", type=int, help="gunicorn workers [rota serve's default]")
    parser.add_argument("--quick", action="store_true", help="200 requests, 3 s loads, 5 swaps")
    parser.add_argument("--no-wrk", action="store_true", help="load with Python threads")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.duration, args.swaps = 200, 3, 5

    folder = Path(tempfile.mkdtemp(prefix="rota-bench-"))
    static_file = Path(web.__file__).parent / "static" / f"bench-{os.getpid()}.ics"
    try:
        with bench_database(args.db, folder) as url:
            return run(args, url, folder, static_file)
    finally:
        static_file.unlink(missing_ok=True)
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def run(args, url: str, folder: Path, static_file: Path) -> int:
    options = SolveOptions(num_workers=os.cpu_count() or 1, seed=1, time_limit=args.time_limit)
    populated = populate(url, args.people, args.start, args.weeks, options)
    loadavg_before = os.getloadavg()
    with server(url, folder, args.workers) as (port, log):
        every_feed = [f"/feeds/{populated.tokens[p]}.ics" for p in sorted(populated.tokens)]
        print(f"server up on port {port}; first fetch of {len(every_feed)} feeds...")
        cold = Timing()
        sizes: dict[str, int] = {}
        client = Connection(port)
        for path in every_feed:
            began = time.perf_counter()
            status, _, body = client.get(path)
            cold.samples.append(time.perf_counter() - began)
            if status != 200:
                raise RuntimeError(f"GET {path}: {status}")
            sizes[path] = len(body)

        # The measured person: the sample org's median feed by size (a typical engineer).
        sample = sorted(
            (sizes[f"/feeds/{populated.tokens[p]}.ics"], p) for p in populated.sample_people
        )
        size, person_id = sample[len(sample) // 2]
        feed = f"/feeds/{populated.tokens[person_id]}.ics"
        status, headers, body = client.get(feed)
        etag = headers["ETag"]
        events = body.count(b"BEGIN:VEVENT")
        static_file.write_bytes(body)  # the same bytes, served from disk by Flask
        static = f"/static/{static_file.name}"
        status, headers, static_body = client.get(static)
        if status != 200 or static_body != body:
            raise RuntimeError(f"GET {static}: {status}")
        static_etag = headers["ETag"]

        n, load = args.requests, (args.connections, args.duration, folder, not args.no_wrk)

        def measured(what, paths, headers=None, expect=200, size=size) -> Row:
            print(f"  {what}...")
            return Row(
                what,
                size,
                sequential(port, paths, n, headers, expect),
                throughput(port, paths, headers, *load),
            )

        rows = [
            measured("static file, 200", [static]),
            measured(
                "static file, 304 (If-None-Match)", [static], {"If-None-Match": static_etag}, 304, 0
            ),
            measured("one person's feed, 200", [feed]),
            measured(
                "one person's feed, 304 (If-None-Match)", [feed], {"If-None-Match": etag}, 304, 0
            ),
            measured(f"{len(every_feed):,} people's feeds in turn, 200", every_feed, size=None),
            Row(f"first fetch of each of {len(every_feed):,} feeds", None, cold),
        ]
        print(f"  {args.swaps} swaps through the web UI...")
        swapped = measure_swaps(url, populated, port, args.swaps)
        rows.append(Row("swap: Accept POST until its redirect", None, swapped.accept))
        rows.append(Row("swap: Accept + both feeds re-fetched", None, swapped.with_feeds))
        shape = server_shape(log)
    loadavg_after = os.getloadavg()

    mean_size = statistics.mean(sizes.values())
    print()
    print(
        f"Rota feeds benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}: "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"load average {loadavg_before[0]:.1f} before, {loadavg_after[0]:.1f} after"
    )
    print(f"database: {'PostgreSQL' if url.startswith('postgresql') else 'SQLite (WAL)'}")
    print(f"server: rota serve = {shape}, 4 threads each; access log on")
    print(
        f"data: {populated.orgs} orgs (data/acme.yaml + {populated.orgs - 1} renamed copies), "
        f"{populated.people:,} people with a feed token, {populated.shifts:,} published shifts "
        f"({args.weeks} weeks from {args.start}); solve {populated.solve_seconds:.1f} s, "
        f"setup {populated.setup_seconds:.0f} s"
    )
    print(
        f"measured feed: person #{person_id} of the sample org, {events} events, {size:,} bytes "
        f"(feeds average {mean_size:,.0f} bytes); static file of the same bytes: {static}"
    )
    print(
        f"one connection: {n} requests in sequence after 20 warm-up (the swaps: "
        f"{len(swapped.accept.samples)} accepted); loaded: {rows[0].load.tool}"
    )
    print()
    for line in table(rows, rows[0]):
        print(line)
    errors = [f"{r.what}: {r.load.errors}" for r in rows if r.load and r.load.errors]
    for note in errors + [f"swap refused: {m}" for m in swapped.refused]:
        print(f"note: {note}")
    print(
        "\n'vs static 200': latency = this row's median over the static file's median; "
        "req/s = the static file's rate over this row's (how many times slower)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
