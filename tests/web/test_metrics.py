"""`GET /metrics`: Prometheus text that agrees with `rota health`, open or behind a token and
networks, never failing on an org without a plan; the deploy/ files use only its names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from prometheus_client.parser import text_string_to_metric_families
from support.app import make_app
from support.database import cli_url
from support.world import HEALTHY, SWAPS, Scenario, imported

from scheduler.cli import main
from scheduler.services.health import health
from web.metrics import metric_names

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


@pytest.fixture
def scenario() -> Scenario:
    return SWAPS  # a trainee, two teams, one person on both, someone above 25%


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    """GET /metrics, parse it with prometheus_client's parser: {(name, labels): value}."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.data
    assert response.content_type.startswith("text/plain; version=")
    assert response.headers["Cache-Control"] == "no-store"
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def test_metrics_agree_with_rota_health(client, sessions, clock):
    samples = scrape(client)
    with sessions() as session:
        (org,) = health(session, clock.now)
    name = org.org
    assert samples[("rota_plan_published", (("org", name),))] == 1
    assert samples[("rota_plan_max_load_ratio", (("org", name),))] == org.max_load_ratio
    assert samples[("rota_plan_load_gini", (("org", name),))] == pytest.approx(org.gini)
    for team in org.teams:
        labels = (("org", name), ("team", team.team))
        assert samples[("rota_team_healthy", labels)] == team.healthy
        assert samples[("rota_team_trained_members", labels)] == team.trained
        assert samples[("rota_team_coverage_gaps", labels)] == len(team.gaps)
        assert samples[("rota_uncovered_shifts", labels)] == team.uncovered_shifts == 0
        assert samples[("rota_team_plan_days_left", labels)] == pytest.approx(team.days_left)
        assert samples[("rota_team_max_load_ratio", labels)] == pytest.approx(team.max_load_ratio)
        assert samples[("rota_team_max_on_call_share", labels)] == pytest.approx(
            team.max_on_call_share
        )
        for person, share in team.on_call_share.items():
            key = ("rota_person_on_call_share", (("org", name), ("person", person)))
            assert samples[key] == pytest.approx(share)
    remaining = (("org", name), ("person", "tia"), ("role", "shadow"), ("team", "ops"))
    assert samples[("rota_trainee_shifts_remaining", remaining)] == 1  # before the plan starts
    assert samples[("rota_on_call_share_limit", ())] == 0.25


def test_metrics_and_the_rota_health_command_say_the_same(client, clock, db_url, monkeypatch):
    monkeypatch.setenv("ROTA_DATABASE_URL", cli_url(db_url))
    result = CliRunner().invoke(main, ["health", "--json", "--now", clock.now.isoformat()])
    assert result.exit_code == 1, result.output  # Ben is on call half the time
    (org,) = json.loads(result.stdout)["orgs"]
    samples = scrape(client)
    name = (("org", org["org"]),)
    assert samples[("rota_plan_max_load_ratio", name)] == pytest.approx(org["max_load_ratio"])
    assert samples[("rota_plan_lower_bound", name)] == pytest.approx(org["lower_bound"])
    for team in org["teams"]:
        labels = (*name, ("team", team["team"]))
        assert samples[("rota_team_healthy", labels)] == team["healthy"]
        assert samples[("rota_team_trained_members", labels)] == team["trained"]
        assert samples[("rota_team_min_roster", labels)] == team["min_roster"]
        assert samples[("rota_team_coverage_gaps", labels)] == len(team["coverage_gaps"])
        assert samples[("rota_team_plan_days_left", labels)] == pytest.approx(
            team["days_left"], abs=0.01
        )
        assert samples[("rota_team_swaps_pending", labels)] == team["swaps_pending"]
        assert samples[("rota_team_load_gini", labels)] == pytest.approx(team["gini"])
        for person, share in team["on_call_share"].items():
            key = ("rota_person_on_call_share", (*name, ("person", person)))
            assert samples[key] == pytest.approx(share)


def test_metrics_need_no_sign_in_and_no_csrf_token(client):
    assert client.get("/metrics").status_code == 200
    assert client.post("/metrics").status_code == 405


def test_an_org_without_a_published_plan_is_exported_without_failing(client, sessions):
    imported(sessions)  # data/team.yaml, never planned
    samples = scrape(client)
    org = (("org", "Acme Checkout"),)
    assert samples[("rota_plan_published", org)] == 0
    assert ("rota_plan_max_load_ratio", org) not in samples
    labels = (("org", "Acme Checkout"), ("team", "checkout"))
    assert samples[("rota_team_healthy", labels)] == 0
    assert samples[("rota_team_plan_days_left", labels)] == 0


@pytest.mark.parametrize("scenario", [HEALTHY])
def test_a_healthy_org_reads_healthy(client, scenario):
    samples = scrape(client)
    assert samples[("rota_team_healthy", (("org", "Healthy Org"), ("team", "ops")))] == 1


def test_a_token_is_asked_for_when_configured(engine, world, clock, tmp_path):
    client = make_app(engine, clock, tmp_path, METRICS_TOKEN="s3cret").test_client()
    missing = client.get("/metrics")
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert b"rota_" not in missing.data
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Basic s3cret"}).status_code == 401
    assert scrape(client, Authorization="Bearer s3cret")


def test_networks_limit_who_may_scrape(engine, world, clock, tmp_path):
    def client(allow: str, **config):
        return make_app(engine, clock, tmp_path, METRICS_ALLOW=allow, **config).test_client()

    assert client("10.0.0.0/8, 192.168.0.0/16").get("/metrics").status_code == 403
    assert scrape(client("10.0.0.0/8,127.0.0.0/8"))  # the test client calls from 127.0.0.1
    both = client("127.0.0.1", METRICS_TOKEN="s3cret")
    assert both.get("/metrics").status_code == 401
    assert scrape(both, Authorization="Bearer s3cret")


def test_a_bad_network_list_stops_the_app_naming_the_setting(engine, world, clock, tmp_path):
    with pytest.raises(ValueError, match=r"ROTA_METRICS_ALLOW: '10\.0\.0\.300/8' is not a network"):
        make_app(engine, clock, tmp_path, METRICS_ALLOW="10.0.0.0/8,10.0.0.300/8")


def deploy_metric_names() -> set[str]:
    """Return every rota_ metric name the alert rules and the dashboard use."""
    rules = yaml.safe_load((DEPLOY / "prometheus" / "rota-alerts.yml").read_text())
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    dashboard = json.loads((DEPLOY / "grafana" / "rota-dashboard.json").read_text())
    exprs += [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    exprs += [v.get("query", "") for v in dashboard.get("templating", {}).get("list", [])]
    exprs = [e if isinstance(e, str) else e.get("query", "") for e in exprs]
    return {name for e in exprs for name in re.findall(r"\brota_[a-z_]+\b", e)}


def test_the_deploy_files_use_only_exported_metric_names(client):
    used = deploy_metric_names()
    assert len(used) >= 8
    assert used <= set(metric_names())
    scraped = {name for name, _ in scrape(client)}
    assert used <= scraped, used - scraped  # the SWAPS world exports every family


@pytest.mark.parametrize("scenario", [HEALTHY])
def test_a_leaver_s_shifts_ahead_are_exported_as_uncovered(client, sessions, clock, scenario):
    from sqlalchemy import select
    from support.builders import build_small_team_org, without

    from scheduler.services.importer import import_org
    from scheduler.store import AssignmentRow

    with sessions() as session:
        ahead = session.scalars(
            select(AssignmentRow).where(AssignmentRow.start >= clock.now)
        ).first()
        leaver = ahead.person
        count = sum(
            1 for a in ahead.plan.assignments if a.person_id == leaver.id and a.start >= clock.now
        )
        leaver = leaver.key
    with sessions.begin() as session:
        org = without(build_small_team_org(4, name="Healthy Org"), leaver)
        import_org(session, org, "t", clock.now)
    samples = scrape(client)
    labels = (("org", "Healthy Org"), ("team", "ops"))
    assert samples[("rota_uncovered_shifts", labels)] == count > 0
    assert samples[("rota_team_healthy", labels)] == 0
