"""Each admission rule catches its mutation of a good manifest, naming the object and the field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from controller.kube import admission
from controller.planner import plan
from tests.controller.planner import states as s

Mutation = Callable[[dict[str, Any]], None]


def _good(kind: str, name: str) -> dict[str, Any]:
    state = s.state(s.app("claims", [(s.servable("claims-model", 1), 60), (s.servable("claims-model", 2), 40)]))
    for manifest in plan(state).manifests:
        if (manifest["kind"], manifest["metadata"]["name"]) == (kind, name):
            return copy.deepcopy(manifest)
    raise LookupError(name)


def _template(m: dict[str, Any]) -> dict[str, Any]:
    return m["spec"]["template"]


def _container(m: dict[str, Any]) -> dict[str, Any]:
    return m["spec"]["template"]["spec"]["containers"][0]


def _annotate(key: str, value: str) -> Mutation:
    return lambda m: _template(m)["metadata"]["annotations"].__setitem__("autoscaling.knative.dev/" + key, value)


SERVICE_CASES: list[tuple[str, Mutation, str, str]] = [
    ("revision prefix", lambda m: _template(m)["metadata"].__setitem__("name", "other-1"),
     "spec.template.metadata.name", "must start with 'mv-claims-model-1-'"),
    ("revision DNS", lambda m: _template(m)["metadata"].__setitem__("name", "mv-claims-model-1-X_1"),
     "spec.template.metadata.name", "DNS-1035"),
    ("name too long", lambda m: m["metadata"].__setitem__("name", "a" * 64), "metadata.name", "longer than 63"),
    ("port name", lambda m: _container(m)["ports"][0].__setitem__("name", "grpc"),
     "spec.template.spec.containers[0].ports[0].name", "'h2c' or 'http1'"),
    ("reserved port", lambda m: _container(m)["ports"][0].__setitem__("containerPort", 9090),
     "spec.template.spec.containers[0].ports[0].containerPort", "reserved"),
    ("two ports", lambda m: _container(m)["ports"].append({"containerPort": 8082}),
     "spec.template.spec.containers", "exactly one container port"),
    ("probe port", lambda m: _container(m)["readinessProbe"]["grpc"].__setitem__("port", 8082),
     "spec.template.spec.containers[0].readinessProbe.grpc.port", "serving port 8081"),
    ("protocol", lambda m: _container(m)["ports"][0].__setitem__("protocol", "UDP"),
     "spec.template.spec.containers[0].ports[0].protocol", "must be TCP"),
    ("min-scale", _annotate("min-scale", "-1"),
     "spec.template.metadata.annotations.autoscaling.knative.dev/min-scale", "integer >= 0"),
    ("max < min", lambda m: (_annotate("min-scale", "5")(m), _annotate("max-scale", "2")(m)),
     "spec.template.metadata.annotations.autoscaling.knative.dev/max-scale", ">= min-scale"),
    ("class", _annotate("class", "magic"),
     "spec.template.metadata.annotations.autoscaling.knative.dev/class", "must be one of"),
    ("metric for class", _annotate("metric", "cpu"),
     "spec.template.metadata.annotations.autoscaling.knative.dev/metric", "not a metric of class"),
    ("target", _annotate("target", "0"),
     "spec.template.metadata.annotations.autoscaling.knative.dev/target", ">= 0.01"),
    ("utilization", _annotate("target-utilization-percentage", "150"),
     "spec.template.metadata.annotations.autoscaling.knative.dev/target-utilization-percentage", "in 1..100"),
    ("retention", _annotate("scale-to-zero-pod-retention-period", "2h"),
     "spec.template.metadata.annotations.autoscaling.knative.dev/scale-to-zero-pod-retention-period", "up to 1h"),
    ("window", _annotate("window", "2s"),
     "spec.template.metadata.annotations.autoscaling.knative.dev/window", "6s..1h"),
    ("annotation placement",
     lambda m: m["metadata"].__setitem__("annotations", {"autoscaling.knative.dev/min-scale": "1"}),
     "metadata.annotations.autoscaling.knative.dev/min-scale", "belong on spec.template.metadata"),
    ("containerConcurrency", lambda m: _template(m)["spec"].__setitem__("containerConcurrency", 5000),
     "spec.template.spec.containerConcurrency", "0..1000"),
    ("timeoutSeconds", lambda m: _template(m)["spec"].__setitem__("timeoutSeconds", 601),
     "spec.template.spec.timeoutSeconds", "0..600"),
    ("managed label", lambda m: m["metadata"]["labels"].__setitem__("serving.knative.dev/service", "x"),
     "metadata.labels.serving.knative.dev/service", "managed by Knative"),
    ("label value", lambda m: m["metadata"]["labels"].__setitem__("hydro.dev/model", "-bad-"),
     "metadata.labels.hydro.dev/model", "not a valid label value"),
    ("managed template label",
     lambda m: _template(m)["metadata"]["labels"].__setitem__("serving.knative.dev/route", "x"),
     "spec.template.metadata.labels.serving.knative.dev/route", "managed by Knative"),
    ("configurationName in Service",
     lambda m: m["spec"].__setitem__("traffic", [{"configurationName": "c", "percent": 100}]),
     "spec.traffic[0].configurationName", "not allowed inside a Service"),
]

ROUTE = ("Route", "app-claims-s0")
ROUTE_CASES: list[tuple[str, Mutation, str, str]] = [
    ("sum", lambda m: m["spec"]["traffic"][0].__setitem__("percent", 50), "spec.traffic", "sum to 100"),
    ("latest xor name", lambda m: m["spec"]["traffic"][0].__setitem__("latestRevision", True),
     "spec.traffic[0].revisionName", "not allowed with latestRevision"),
    ("duplicate tag", lambda m: m["spec"]["traffic"][1].__setitem__("tag", "v1"), "spec.traffic", "more than once"),
    ("tag DNS", lambda m: m["spec"]["traffic"][1].__setitem__("tag", "V_2"), "spec.traffic[1].tag", "DNS-1035"),
    ("url in spec", lambda m: m["spec"]["traffic"][1].__setitem__("url", "http://x"),
     "spec.traffic[1].url", "status-only"),
    ("no target", lambda m: m["spec"]["traffic"][1].pop("revisionName"),
     "spec.traffic[1]", "revisionName or a configurationName"),
]

TRIGGER = ("Trigger", "app-claims-request")
TRIGGER_CASES: list[tuple[str, Mutation, str, str]] = [
    ("broker xor brokerRef", lambda m: m["spec"].__setitem__("brokerRef", {"name": "hydro"}),
     "spec.broker", "exactly one of broker or brokerRef"),
    ("no broker", lambda m: m["spec"].pop("broker"), "spec.broker", "exactly one of broker or brokerRef"),
    ("subscriber", lambda m: m["spec"].pop("subscriber"), "spec.subscriber", "is required"),
    ("attribute name", lambda m: m["spec"]["filter"]["attributes"].__setitem__("hydro_app", "x"),
     "spec.filter.attributes.hydro_app", "^[a-z][a-z0-9]*$"),
    ("unknown key", lambda m: m["spec"].__setitem__("filtre", {}), "spec.filtre", "unknown field"),
    ("retry", lambda m: m["spec"]["delivery"].__setitem__("retry", -1), "spec.delivery.retry", ">= 0"),
    ("backoffPolicy", lambda m: m["spec"]["delivery"].__setitem__("backoffPolicy", "fibonacci"),
     "spec.delivery.backoffPolicy", "linear or exponential"),
    ("backoffDelay", lambda m: m["spec"]["delivery"].__setitem__("backoffDelay", "0.5s"),
     "spec.delivery.backoffDelay", "ISO-8601"),
    ("format", lambda m: m["spec"]["delivery"].__setitem__("format", "xml"), "spec.delivery.format", "json or binary"),
    ("absolute uri with ref", lambda m: m["spec"]["subscriber"].__setitem__("uri", "http://x.y/z"),
     "spec.subscriber.uri", "absolute uri is not allowed"),
]

SEQUENCE = ("Sequence", "app-claims")
SEQUENCE_CASES: list[tuple[str, Mutation, str, str]] = [
    ("no steps", lambda m: m["spec"].__setitem__("steps", []), "spec.steps", "at least one step"),
    ("relative uri alone", lambda m: m["spec"]["steps"][0].pop("ref"), "spec.steps[0].uri", "absolute URL"),
    ("step delivery", lambda m: m["spec"]["steps"][0]["delivery"].__setitem__("backoffDelay", "PT"),
     "spec.steps[0].delivery.backoffDelay", "ISO-8601"),
]


def _run(target: tuple[str, str], mutate: Mutation, field: str, problem: str) -> None:
    manifest = _good(*target)
    assert admission.check(manifest) == []
    mutate(manifest)
    found = admission.check(manifest)
    assert any(v.field == field and problem in v.problem and v.name == manifest["metadata"]["name"]
               for v in found), [str(v) for v in found]


@pytest.mark.parametrize(("case", "mutate", "field", "problem"), SERVICE_CASES, ids=[c[0] for c in SERVICE_CASES])
def test_service_rules(case: str, mutate: Mutation, field: str, problem: str) -> None:
    _run(("Service", "mv-claims-model-1"), mutate, field, problem)


@pytest.mark.parametrize(("case", "mutate", "field", "problem"), ROUTE_CASES, ids=[c[0] for c in ROUTE_CASES])
def test_route_rules(case: str, mutate: Mutation, field: str, problem: str) -> None:
    _run(ROUTE, mutate, field, problem)


@pytest.mark.parametrize(("case", "mutate", "field", "problem"), TRIGGER_CASES, ids=[c[0] for c in TRIGGER_CASES])
def test_trigger_rules(case: str, mutate: Mutation, field: str, problem: str) -> None:
    _run(TRIGGER, mutate, field, problem)


@pytest.mark.parametrize(("case", "mutate", "field", "problem"), SEQUENCE_CASES,
                         ids=[c[0] for c in SEQUENCE_CASES])
def test_sequence_rules(case: str, mutate: Mutation, field: str, problem: str) -> None:
    _run(SEQUENCE, mutate, field, problem)


def test_ping_source_needs_a_cron_schedule_and_a_sink() -> None:
    ping = _good("PingSource", "fn-drift-schedule")
    ping["spec"]["schedule"] = "every minute"
    ping["spec"].pop("sink")
    fields = {v.field for v in admission.check(ping)}
    assert fields == {"spec.schedule", "spec.sink"}


@pytest.mark.parametrize("duration", ["PT0.5S", "PT1M", "P1D", "PT1H30M", "P1DT2H"])
def test_iso_durations_are_accepted(duration: str) -> None:
    trigger = _good(*TRIGGER)
    trigger["spec"]["delivery"]["backoffDelay"] = duration
    assert admission.check(trigger) == []


def test_objects_of_other_kinds_are_not_checked() -> None:
    assert admission.check({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Not_DNS"}}) == []
