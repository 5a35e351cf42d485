"""Parsing the plan's manifests: what the engine reads, and field-precise errors."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from controller.errors import InvalidResource
from controller.local.engine.desired import desired_objects
from controller.local.engine.manifests import EnvSource, Scaling, go_duration, parse_route, parse_service
from controller.planner import Plan, plan
from tests.controller.local.engine.conftest import Models, desired_state


@pytest.fixture(scope="module")
def the_plan(models: Models) -> Plan:
    return plan(desired_state(models))


def service_manifest(the_plan: Plan, name: str) -> dict[str, Any]:
    return copy.deepcopy(next(m for m in the_plan.manifests if m["kind"] == "Service" and
                              m["metadata"]["name"] == name))


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90.0), ("2m", 120.0), ("1m30s", 90.0), ("500ms", 0.5),
                                               ("1h", 3600.0), ("1.5s", 1.5), ("0", 0.0)])
def test_go_durations(text: str, seconds: float) -> None:
    assert go_duration(text, "x") == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["90", "PT1M", "1d", "", "s", None])
def test_bad_go_durations_name_the_field(text: object) -> None:
    with pytest.raises(InvalidResource) as caught:
        go_duration(text, "spec.x")
    assert caught.value.path == "spec.x"


def test_a_plan_splits_into_model_and_function_services(the_plan: Plan) -> None:
    desired = desired_objects(the_plan)
    assert set(desired.model_services) == {"mv-iris-1", "mv-iris-2", "mv-slow-1", "mv-broken-1"}
    assert set(desired.function_services) == {"fn-recorder"}
    assert {r.name for r in desired.routes} == {"app-split-s0", "app-chain-s0", "app-chain-s1", "app-broken-app-s0"}
    assert set(desired.application_routes()) == {"split", "chain", "broken-app"}
    assert [p.schedule for p in desired.ping_sources] == ["* * * * * *"]
    assert len(desired.triggers) == 4


def test_a_model_service_reads_revision_env_and_sources(the_plan: Plan, models: Models) -> None:
    spec = parse_service(service_manifest(the_plan, "mv-iris-1"), "hydro")
    assert spec.protocol == "h2c" and spec.revision.startswith("mv-iris-1-")
    assert dict(spec.env)["HYDRO_MODEL_URI"] == str(models.root / "iris-1")
    assert spec.env_from == (EnvSource("secret", "hydro-artifacts"),)
    assert spec.scaling == Scaling(min_scale=0, max_scale=2)


def test_a_function_service_is_http1_with_min_scale_one(the_plan: Plan) -> None:
    spec = parse_service(service_manifest(the_plan, "fn-recorder"), "hydro")
    assert spec.protocol == "http1" and spec.scaling.min_scale == 1


def test_scaling_annotations() -> None:
    scale = Scaling.from_annotations({"autoscaling.knative.dev/min-scale": "1",
                                      "autoscaling.knative.dev/max-scale": "0",
                                      "autoscaling.knative.dev/target": "5",
                                      "autoscaling.knative.dev/scale-to-zero-pod-retention-period": "1m"}, "a")
    assert scale == Scaling(min_scale=1, max_scale=None, target=5.0, retention=60.0)


def test_a_cpu_target_is_not_a_concurrency_target() -> None:
    scale = Scaling.from_annotations({"autoscaling.knative.dev/class": "hpa.autoscaling.knative.dev",
                                      "autoscaling.knative.dev/metric": "cpu",
                                      "autoscaling.knative.dev/target": "70"}, "a")
    assert scale.target is None


@pytest.mark.parametrize(("annotations", "field"), [
    ({"autoscaling.knative.dev/min-scale": "-1"}, "autoscaling.knative.dev/min-scale"),
    ({"autoscaling.knative.dev/min-scale": "3", "autoscaling.knative.dev/max-scale": "2"},
     "autoscaling.knative.dev/max-scale"),
    ({"autoscaling.knative.dev/target": "0"}, "autoscaling.knative.dev/target"),
    ({"autoscaling.knative.dev/scale-to-zero-pod-retention-period": "soon"},
     "autoscaling.knative.dev/scale-to-zero-pod-retention-period"),
])
def test_bad_annotations_name_the_service_and_field(the_plan: Plan, annotations: dict, field: str) -> None:
    manifest = service_manifest(the_plan, "mv-iris-1")
    manifest["spec"]["template"]["metadata"]["annotations"].update(annotations)
    with pytest.raises(InvalidResource) as caught:
        parse_service(manifest, "hydro")
    assert caught.value.path == f"spec.template.metadata.annotations.{field}"
    assert caught.value.source == "Service hydro/mv-iris-1"


def test_a_revision_name_must_carry_the_service_prefix(the_plan: Plan) -> None:
    manifest = service_manifest(the_plan, "mv-iris-1")
    manifest["spec"]["template"]["metadata"]["name"] = "other-1"
    with pytest.raises(InvalidResource) as caught:
        parse_service(manifest, "hydro")
    assert caught.value.path == "spec.template.metadata.name"


@pytest.mark.parametrize(("traffic", "field"), [
    ([{"revisionName": "a-1", "percent": 60}], "spec.traffic"),
    ([{"percent": 100}], "spec.traffic[0]"),
    ([{"revisionName": "a-1", "percent": 101}], "spec.traffic[0].percent"),
])
def test_bad_routes_name_the_field(traffic: list, field: str) -> None:
    manifest = {"kind": "Route", "metadata": {"name": "r"}, "spec": {"traffic": traffic}}
    with pytest.raises(InvalidResource) as caught:
        parse_route(manifest, "hydro")
    assert caught.value.path == field


def test_an_unsupported_kind_is_refused(the_plan: Plan) -> None:
    bad = Plan((*the_plan.manifests, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}),
               the_plan.routing)
    with pytest.raises(InvalidResource, match="'ConfigMap' is not supported by the local engine"):
        desired_objects(bad)
