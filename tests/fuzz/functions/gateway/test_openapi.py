"""The gateway's OpenAPI description: valid, served, in step with the Flask URL map; and
schemathesis over it against the real gateway and runtime (no 5xx but the documented upstream ones)."""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from openapi_spec_validator import validate

from functions.gateway import http_openapi
from tests.fuzz.budget import fuzz_settings
from tests.fuzz.checks import call, no_server_error
from tests.fuzz.routes import described_operations, flask_operations

GATEWAY = schemathesis.pytest.from_fixture("gateway_schema")


@pytest.fixture(scope="module")
def gateway_schema(gateway_app: Flask) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_wsgi("/openapi.json", gateway_app)


def test_the_description_is_valid_and_served(gateway_app: Flask) -> None:
    validate(http_openapi.description())
    response = gateway_app.test_client().get("/openapi.json")
    assert response.status_code == 200 and response.get_json() == http_openapi.description()


def test_routes_and_description_match(gateway_app: Flask) -> None:
    routes, described = flask_operations(gateway_app), described_operations(http_openapi.description())
    assert routes - described == set(), "routes missing from functions/gateway/openapi.yaml"
    assert described - routes == set(), "operations in functions/gateway/openapi.yaml with no route"


@GATEWAY.parametrize()
@fuzz_settings(8)
def test_no_operation_fails(case: schemathesis.Case) -> None:
    case.validate_response(call(case), checks=[no_server_error])
