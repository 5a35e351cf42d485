"""Hypothesis over the raw bytes of every JSON-taking operation of the manager API: random and
malformed JSON, wrong content types, invalid UTF-8, deeply nested and oversized bodies. Each must
answer a 4xx error envelope (never 5xx), and memory stays bounded over the batch."""

from __future__ import annotations

import gc
import json

import pytest
from flask import Flask
from hypothesis import given

from controller.api import openapi
from tests.controller.api.support import UPLOAD_LIMIT
from tests.fuzz import bodies
from tests.fuzz.budget import RSS_GROWTH_LIMIT, fuzz_settings, rss_bytes
from tests.fuzz.routes import METHODS


def json_operations() -> list[tuple[str, str]]:
    """(method, path) of every operation whose request body is JSON, path parameters filled."""
    document = openapi.description()
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            request_body = operation.get("requestBody") or {}
            if "$ref" in request_body:
                request_body = document["components"]["requestBodies"][request_body["$ref"].rpartition("/")[2]]
            content = request_body.get("content") or {}
            if "application/json" in content and not {"functions", "ui"} & set(operation.get("tags", ())):
                found.append((method.upper(), path.replace("{version_id}", "1").replace("{data_id}", "1")))
    return found


OPERATIONS = json_operations()


def assert_client_error(response: object, what: str) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    body = response.get_json(silent=True)  # type: ignore[attr-defined]
    assert 400 <= status < 500, f"{what}: {status} {response.get_data()[:300]!r}"  # type: ignore[attr-defined]
    assert isinstance(body, dict) and body.get("message"), f"{what}: {status} without an error envelope: {body}"


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@fuzz_settings(15)
@given(body=bodies.malformed(), content_type=bodies.content_types())
def test_malformed_bodies_are_client_errors(sqlite_api: Flask, method: str, path: str, body: bytes,
                                            content_type: str | None) -> None:
    response = sqlite_api.test_client().open(path, method=method, data=body, content_type=content_type)
    if response.status_code < 300:
        json.loads(body)  # only a well-formed body may succeed
        return
    assert_client_error(response, f"{method} {path} with {body[:80]!r}")


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_deeply_nested_and_oversized_bodies(sqlite_api: Flask, method: str, path: str) -> None:
    client = sqlite_api.test_client()
    nested = client.open(path, method=method, data=bodies.nested_lists(100_000), content_type="application/json")
    assert_client_error(nested, f"{method} {path} with 100,000 nested lists")
    assert nested.status_code == 400
    huge = client.open(path, method=method, data=b" " * (UPLOAD_LIMIT + 1), content_type="application/json")
    assert huge.status_code == 413, huge.get_data()[:300]


def test_memory_stays_bounded_over_a_batch(sqlite_api: Flask) -> None:
    client = sqlite_api.test_client()
    gc.collect()
    before = rss_bytes()
    for index, payload in enumerate(bodies.batch(200)):
        method, path = OPERATIONS[index % len(OPERATIONS)]
        assert client.open(path, method=method, data=payload, content_type="application/json").status_code < 500
    gc.collect()
    assert rss_bytes() - before < RSS_GROWTH_LIMIT
