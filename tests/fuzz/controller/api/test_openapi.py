"""The manager API's OpenAPI description: valid, served, and in step with the Flask URL map."""

from __future__ import annotations

import yaml
from flask import Flask
from openapi_spec_validator import validate

from controller.api import openapi
from tests.fuzz.routes import described_operations, flask_operations


def test_the_description_is_valid_openapi() -> None:
    validate(openapi.description())  # raises naming the first violation


def test_the_description_is_served_as_json(api: Flask) -> None:
    response = api.test_client().get("/api/v2/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    with open(openapi.__file__.replace("openapi.py", "openapi.yaml"), encoding="utf-8") as source:
        assert response.get_json() == yaml.safe_load(source)


def test_every_route_is_described(api: Flask) -> None:
    missing = flask_operations(api) - described_operations(openapi.description())
    assert not missing, f"routes missing from controller/api/openapi.yaml: {sorted(missing)}"


def test_every_described_operation_is_a_route(api: Flask) -> None:
    stale = described_operations(openapi.description()) - flask_operations(api)
    assert not stale, f"operations in controller/api/openapi.yaml with no route: {sorted(stale)}"
