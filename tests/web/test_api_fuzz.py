"""Fuzz the JSON API from its own OpenAPI document: no 500s, every response as documented.

Each operation gets valid and invalid requests generated from the document the app serves,
sent through its WSGI interface with a real API token (schemathesis, driven by Hypothesis).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks as base_checks
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks
from support.world import API, Scenario

from web.api_schema import PATHS

# Not `positive_data_acceptance`: some rules span fields (a range's end after its start), which
# a schema cannot say, so valid-looking requests may rightly get a 400.
CHECKS = [
    base_checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_headers_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.negative_data_rejection,
]
OPERATIONS = [(path, method.upper()) for path, item in PATHS.items() for method in item]
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


@pytest.fixture
def scenario() -> Scenario:
    return API


@pytest.fixture
def fuzz_app(app, world):
    app.config["FUZZ_TOKEN"] = world.api["frances"]  # holds a future shift: swaps go deep
    return app


def test_the_served_document_lists_every_operation(fuzz_app):
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    served = {(op.ok().path, op.ok().method.upper()) for op in loaded.get_all_operations()}
    assert served == set(OPERATIONS)


@pytest.mark.parametrize("mode", MODES, ids=lambda m: m.value)
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=lambda v: v.strip("/"))
def test_generated_requests_get_documented_answers(fuzz_app, path, method, mode):
    loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    operation = loaded[path][method]
    headers = {"Authorization": f"Bearer {fuzz_app.config['FUZZ_TOKEN']}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=12,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()
