"""Hostile bodies and random CloudEvents against the real gateway (in-process, real runtime):
malformed JSON, wrong content types, invalid UTF-8, 100,000-deep nesting (400), bodies over the
limit (413), random `ce-*` headers and structured events. Never 5xx."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz import bodies
from tests.fuzz.budget import fuzz_settings
from tests.fuzz.functions.gateway.conftest import APP, VALID_INPUTS

POSTS = (f"/gateway/application/{APP}", f"/gateway/servable/{APP}-echo-1", f"/v2/models/{APP}/infer",
         "/gateway/cloudevents", f"/gateway/cloudevents/stage/{APP}/0")
CE_ATTRIBUTES = ("specversion", "id", "source", "type", "time", "datacontenttype", "dataschema", "subject",
                 "hydroapp", "hydrorequestid")
HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)


def assert_not_server_error(response: object, what: str) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    assert status < 500, f"{what}: {status} {response.get_data()[:300]!r}"  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", POSTS)
@fuzz_settings(15)
@given(body=bodies.malformed(), content_type=bodies.content_types())
def test_malformed_bodies(gateway_app: Flask, path: str, body: bytes, content_type: str | None) -> None:
    response = gateway_app.test_client().post(path, data=body, content_type=content_type)
    assert_not_server_error(response, f"POST {path} {body[:80]!r}")


@pytest.mark.parametrize("path", POSTS)
def test_deep_nesting_is_400_and_huge_bodies_413(gateway_app: Flask, path: str) -> None:
    client = gateway_app.test_client()
    kind = "application/cloudevents+json" if "cloudevents" in path else "application/json"
    nested = client.post(path, data=bodies.nested_lists(100_000), content_type=kind)
    assert nested.status_code == 400, nested.get_data()[:300]
    limit = gateway_app.config["MAX_CONTENT_LENGTH"]
    huge = client.post(path, data=b" " * (limit + 1), content_type=kind)
    assert huge.status_code == 413, huge.get_data()[:300]


@fuzz_settings(60)
@given(headers=st.dictionaries(st.sampled_from(CE_ATTRIBUTES).map(lambda a: f"ce-{a}"), HEADER_TEXT, max_size=10),
       data=st.one_of(bodies.malformed(), st.just(json.dumps(VALID_INPUTS).encode())),
       content_type=st.sampled_from([None, "application/json", "text/plain", "application/json; charset=utf-8"]))
def test_random_binary_cloudevents(gateway_app: Flask, headers: dict[str, str], data: bytes,
                                   content_type: str | None) -> None:
    client = gateway_app.test_client()
    for path in ("/gateway/cloudevents", f"/gateway/cloudevents/stage/{APP}/0"):
        response = client.post(path, data=data, headers=headers, content_type=content_type)
        assert_not_server_error(response, f"POST {path} {headers} {data[:60]!r}")


@fuzz_settings(60)
@given(event=st.dictionaries(st.sampled_from((*CE_ATTRIBUTES, "data", "data_base64", "extra")),
                             bodies.JSON_VALUES, max_size=10))
def test_random_structured_cloudevents(gateway_app: Flask, event: dict[str, object]) -> None:
    client = gateway_app.test_client()
    for path in ("/gateway/cloudevents", f"/gateway/cloudevents/stage/{APP}/0"):
        response = client.post(path, data=json.dumps(event), content_type="application/cloudevents+json")
        assert_not_server_error(response, f"POST {path} {event}")
