"""Parsing Knative Trigger manifests, backoff arithmetic and filter semantics."""

from __future__ import annotations

from typing import Any

import pytest

from controller.errors import InvalidResource
from controller.local.broker.trigger import DeliveryPolicy, Trigger, parse_duration
from protos.events import EXT_APP, INFERENCE_COMPLETED, PREDICTION_REQUEST
from tests.controller.local.broker.conftest import make_event, trigger_manifest


def parse(manifest: dict[str, Any], **kwargs: Any) -> Trigger:
    return Trigger.from_manifest(manifest, **kwargs)


def test_parses_a_planner_trigger() -> None:
    manifest = trigger_manifest(
        "drift", "http://127.0.0.1:9000/", attributes={"type": INFERENCE_COMPLETED},
        delivery={"retry": 5, "backoffPolicy": "linear", "backoffDelay": "PT0.5S", "timeout": "PT2S",
                  "deadLetterSink": {"uri": "http://127.0.0.1:9001/dead"}},
        annotations={"hydro.dev/max-in-flight": "8"},
    )
    trigger = parse(manifest)

    assert (trigger.key, trigger.broker, trigger.subscriber_uri, trigger.max_in_flight) == (
        "default/drift", "hydro", "http://127.0.0.1:9000/", 8,
    )
    assert trigger.delivery == DeliveryPolicy(5, "linear", 0.5, 2.0, "http://127.0.0.1:9001/dead")


def test_delivery_fields_left_out_come_from_the_broker_defaults() -> None:
    defaults = DeliveryPolicy(retry=2, backoff_delay=1.0, timeout=9.0)
    trigger = parse(trigger_manifest("t", "http://h/", delivery={"retry": 7}), defaults=defaults)

    assert trigger.delivery == DeliveryPolicy(retry=7, backoff_delay=1.0, timeout=9.0)


def test_a_ref_is_resolved_by_the_callable_and_a_relative_uri_joined_to_it() -> None:
    manifest = trigger_manifest("t", "http://unused/")
    manifest["spec"]["subscriber"] = {"ref": {"apiVersion": "serving.knative.dev/v1", "kind": "Service",
                                              "name": "fn-drift"}, "uri": "/events"}
    seen: list[Any] = []
    trigger = parse(manifest, resolve=lambda ref: seen.append(ref) or "http://127.0.0.1:7000/")

    assert trigger.subscriber_uri == "http://127.0.0.1:7000/events"
    assert seen[0]["namespace"] == "default"
    assert seen[0]["name"] == "fn-drift"


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda m: m["spec"].pop("subscriber"), "spec.subscriber"),
        (lambda m: m["spec"].update(subscriber={"uri": "/relative"}), "spec.subscriber.uri"),
        (lambda m: m["spec"].update(subscriber={"ref": {"name": "x"}}), "spec.subscriber.ref"),
        (lambda m: m["spec"].pop("broker"), "spec.broker"),
        (lambda m: m["spec"].update(delivery={"backoffPolicy": "random"}), "spec.delivery.backoffPolicy"),
        (lambda m: m["spec"].update(delivery={"backoffDelay": "0.2s"}), "spec.delivery.backoffDelay"),
        (lambda m: m["spec"].update(delivery={"retry": -1}), "spec.delivery.retry"),
        (lambda m: m["spec"].update(filter={"attributes": {"type": 3}}), "spec.filter.attributes.type"),
        (lambda m: m["spec"].update(filters=[{"cesql": "type = 'x'"}]), "spec.filters[0].cesql"),
        (lambda m: m["metadata"].update(name="Not_DNS"), "metadata.name"),
        (lambda m: m["metadata"].update(annotations={"hydro.dev/max-in-flight": "0"}),
         "metadata.annotations.hydro.dev/max-in-flight"),
    ],
)
def test_an_invalid_manifest_names_the_field(change: Any, path: str) -> None:
    manifest = trigger_manifest("t", "http://h/")
    change(manifest)

    with pytest.raises(InvalidResource) as error:
        parse(manifest)
    assert error.value.path == path


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT0.2S", 0.2), ("PT1M30S", 90.0), ("PT2H", 7200.0), ("P1D", 86400.0), ("P1DT1S", 86401.0)],
)
def test_parses_iso_8601_durations(text: str, seconds: float) -> None:
    assert parse_duration(text, "d") == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "P", "PT", "1S", "PT-1S", "P1Y"])
def test_rejects_what_is_no_supported_duration(text: str) -> None:
    with pytest.raises(InvalidResource):
        parse_duration(text, "d")


def test_backoff_follows_the_knative_formulas() -> None:
    exponential = DeliveryPolicy(backoff_policy="exponential", backoff_delay=0.1)
    linear = DeliveryPolicy(backoff_policy="linear", backoff_delay=0.1)

    assert [exponential.backoff(n) for n in (1, 2, 3)] == pytest.approx([0.2, 0.4, 0.8])
    assert [linear.backoff(n) for n in (1, 2, 3)] == pytest.approx([0.1, 0.2, 0.3])


def test_attribute_filter_is_an_exact_match_and_empty_matches_anything() -> None:
    trigger = parse(trigger_manifest("t", "http://h/", attributes={"type": INFERENCE_COMPLETED, EXT_APP: ""}))

    assert trigger.matches(make_event(INFERENCE_COMPLETED))
    assert not trigger.matches(make_event(PREDICTION_REQUEST))
    assert not trigger.matches(make_event(INFERENCE_COMPLETED + ".v2"))


def test_subscriptions_api_filters_combine_prefix_suffix_and_not() -> None:
    manifest = trigger_manifest("t", "http://h/")
    manifest["spec"]["filters"] = [
        {"prefix": {"type": "dev.hydro."}},
        {"any": [{"exact": {EXT_APP: "iris"}}, {"suffix": {EXT_APP: "-canary"}}]},
        {"not": {"exact": {"type": PREDICTION_REQUEST}}},
    ]
    trigger = parse(manifest)

    assert trigger.matches(make_event(**{EXT_APP: "iris"}))
    assert trigger.matches(make_event(**{EXT_APP: "wine-canary"}))
    assert not trigger.matches(make_event(**{EXT_APP: "wine"}))
    assert not trigger.matches(make_event())  # a missing attribute never matches `exact`
    assert not trigger.matches(make_event(PREDICTION_REQUEST, **{EXT_APP: "iris"}))
