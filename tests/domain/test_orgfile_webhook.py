"""A team's `webhook_url` in the org file: an http(s) URL with a host, or an error saying where."""

from __future__ import annotations

import pytest
from support.builders import DATA

from scheduler.domain.orgfile import OrgFileError, parse_org

TEAM = (DATA / "team.yaml").read_text(encoding="utf-8")
ANCHOR = "    runbook: https://wiki.checkout.example/runbook\n"


def with_webhook(value: str) -> str:
    assert ANCHOR in TEAM
    return TEAM.replace(ANCHOR, f"{ANCHOR}    webhook_url: {value}\n")


def test_a_team_keeps_its_webhook_url_and_none_is_the_default():
    org = parse_org(with_webhook("https://hooks.slack.com/services/T0/B0/x"), "team.yaml")
    assert org.team("checkout").webhook_url == "https://hooks.slack.com/services/T0/B0/x"
    assert parse_org(TEAM, "team.yaml").team("checkout").webhook_url is None


@pytest.mark.parametrize(
    "value", ["javascript:alert(1)", "ftp://hooks.example/x", "https://", "hooks.example/x"]
)
def test_a_webhook_url_that_is_not_http_names_the_key_and_line(value):
    text = with_webhook(f'"{value}"')
    with pytest.raises(OrgFileError) as caught:
        parse_org(text, "team.yaml")
    line = text[: text.index("webhook_url")].count("\n") + 1
    message = str(caught.value)
    assert "teams[0].webhook_url" in message and f"line {line}" in message
    assert "is not an http:// or https:// URL with a host" in message
