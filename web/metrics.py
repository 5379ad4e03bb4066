"""`GET /metrics`: rotation health in Prometheus' text format (docs/health.md#metrics).

Built per request in a registry of its own from `services.health`, so it says exactly what
`rota health` says. No sign-in; `ROTA_METRICS_TOKEN` asks for `Authorization: Bearer TOKEN`
and `ROTA_METRICS_ALLOW` (comma-separated CIDRs) limits it to those networks; with both set,
a scrape needs both.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

from scheduler.domain.health import MAX_ON_CALL_SHARE, RUNWAY_DAYS, OrgHealth, TeamHealth
from scheduler.services.health import health
from web import viewer
from web.db import get_session

bp = Blueprint("metrics", __name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class TeamMetric:
    """A gauge with one sample per team (labels org, team); None leaves the sample out."""

    name: str
    help: str
    value: Callable[[TeamHealth], float | None]


TEAM_METRICS = (
    TeamMetric("rota_team_healthy", "1 when the rotation is healthy, else 0.", lambda t: t.healthy),
    TeamMetric(
        "rota_team_trained_members", "Trained members of the rotation.", lambda t: t.trained
    ),
    TeamMetric(
        "rota_team_min_roster", "Trained members the rotation needs.", lambda t: t.min_roster
    ),
    TeamMetric(
        "rota_team_coverage_gaps",
        "Published shifts not yet ended without a primary.",
        lambda t: len(t.gaps),
    ),
    TeamMetric(
        "rota_uncovered_shifts",
        "Published shifts not yet started held by someone who left the org or the team.",
        lambda t: t.uncovered_shifts,
    ),
    TeamMetric(
        "rota_team_plan_days_left",
        "Days until the published shifts from now stop being back to back (0: nobody on call).",
        lambda t: t.days_left,
    ),
    TeamMetric(
        "rota_team_max_on_call_share",
        "Largest share of the published plan's horizon a member is on call (0..1).",
        lambda t: t.max_on_call_share,
    ),
    TeamMetric(
        "rota_team_max_load_ratio",
        "Largest load ratio among the members in the published plan (1.00 is fair).",
        lambda t: t.max_load_ratio,
    ),
    TeamMetric(
        "rota_team_load_gini", "Gini coefficient of the members' load ratios.", lambda t: t.gini
    ),
    TeamMetric(
        "rota_team_trainees_in_progress",
        "Trainees who have not yet finished their shadow and secondary shifts.",
        lambda t: sum(1 for p in t.trainees if p.next_step != "primary"),
    ),
    TeamMetric(
        "rota_team_swaps_pending",
        "Swaps open or awaiting approval on shifts not yet started.",
        lambda t: t.swaps_pending,
    ),
)
ORG_METRICS = (
    ("rota_plan_published", "1 when the org has a published plan to measure, else 0."),
    ("rota_plan_max_load_ratio", "The published plan's max load ratio (1.00 is fair)."),
    ("rota_plan_lower_bound", "The proven lower bound on the published plan's max load ratio."),
    ("rota_plan_load_gini", "Gini coefficient of the load ratios over the org."),
)
PERSON_METRICS = (
    ("rota_person_on_call_share", "Share of the published plan's horizon on call (0..1)."),
    ("rota_person_load_ratio", "Load over fair share in the published plan."),
)
TRAINEE_METRIC = ("rota_trainee_shifts_remaining", "Shifts a trainee still has to do, by role.")
LIMIT_METRICS = (
    ("rota_on_call_share_limit", "The on-call share above which a rotation is unhealthy."),
    ("rota_plan_runway_days_limit", "Days of published plan below which it is unhealthy."),
)


def metric_names() -> list[str]:
    """Return the name of every gauge /metrics exports (the deploy/ files use only these)."""
    names = [m.name for m in TEAM_METRICS] + [n for n, _ in ORG_METRICS + PERSON_METRICS]
    return names + [TRAINEE_METRIC[0]] + [n for n, _ in LIMIT_METRICS]


def registry_of(orgs: Iterable[OrgHealth]) -> CollectorRegistry:
    """Fill a fresh registry with the health of `orgs` (labels org, team, person, role)."""
    registry = CollectorRegistry(auto_describe=False)
    gauge = _gauges(registry)
    gauge["rota_on_call_share_limit"].set(MAX_ON_CALL_SHARE)
    gauge["rota_plan_runway_days_limit"].set(RUNWAY_DAYS)
    for o in orgs:
        gauge["rota_plan_published"].labels(o.org).set(o.plan_id is not None)
        for name, value in (
            ("rota_plan_max_load_ratio", o.max_load_ratio),
            ("rota_plan_lower_bound", o.lower_bound),
            ("rota_plan_load_gini", o.gini),
        ):
            if value is not None:
                gauge[name].labels(o.org).set(value)
        for person, ratio in sorted(o.load_ratio.items()):
            if ratio is not None:
                gauge["rota_person_load_ratio"].labels(o.org, person).set(ratio)
        shares: dict[str, float] = {}
        for t in o.teams:
            for metric in TEAM_METRICS:
                value = metric.value(t)
                if value is not None:
                    gauge[metric.name].labels(o.org, t.team).set(float(value))
            shares |= t.on_call_share
            for p in t.trainees:
                for role in ("shadow", "secondary"):
                    trainee = gauge[TRAINEE_METRIC[0]].labels(o.org, t.team, p.person, role)
                    trainee.set(p.remaining(role))
        for person, share in sorted(shares.items()):
            gauge["rota_person_on_call_share"].labels(o.org, person).set(share)
    return registry


def _gauges(registry: CollectorRegistry) -> dict[str, Gauge]:
    made = {m.name: Gauge(m.name, m.help, ("org", "team"), registry=registry) for m in TEAM_METRICS}
    made |= {n: Gauge(n, h, ("org",), registry=registry) for n, h in ORG_METRICS}
    made |= {n: Gauge(n, h, ("org", "person"), registry=registry) for n, h in PERSON_METRICS}
    name, text = TRAINEE_METRIC
    made[name] = Gauge(name, text, ("org", "team", "person", "role"), registry=registry)
    made |= {n: Gauge(n, h, registry=registry) for n, h in LIMIT_METRICS}
    return made


@bp.route("/metrics")
def metrics() -> Response:
    """Export rotation health for Prometheus (no sign-in; token and networks if configured)."""
    _check_access()
    registry = registry_of(health(get_session(), viewer.now()))
    response = Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"  # figures of this moment, names of people
    return response


def _check_access() -> None:
    """401 without the configured bearer token, 403 from outside the configured networks."""
    networks: tuple[Network, ...] = current_app.config.get("METRICS_ALLOW") or ()
    if networks:
        try:
            address = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            abort(403)
        if not any(address in network for network in networks):
            abort(403)
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            value.strip().encode(), token.encode()
        ):
            response = Response("a bearer token is needed\n", status=401, mimetype="text/plain")
            response.headers["WWW-Authenticate"] = 'Bearer realm="rota metrics"'
            abort(response)


def parse_networks(text: str | None) -> tuple[Network, ...]:
    """Parse ROTA_METRICS_ALLOW: comma-separated CIDRs (a bare address is a /32 or /128).

    ValueError naming ROTA_METRICS_ALLOW and the entry for anything else.
    """
    found = []
    for entry in (text or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            found.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(
                f"ROTA_METRICS_ALLOW: {entry!r} is not a network like 10.0.0.0/8 or ::1"
            ) from None
    return tuple(found)
