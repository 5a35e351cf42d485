from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from controller.planner import plan
from controller.planner.labels import is_label_value
from tests.controller.kube.knative_check import assert_valid
from tests.controller.planner import states as s

PLANNER = Path(__file__).resolve().parents[3] / "controller" / "planner"


def pipeline(weight_v1: int = 80) -> s.DesiredState:
    pre = s.servable("claims-preprocessing", 1)
    return s.state(s.app("claims", [(pre, 100)], [(s.servable("claims-model", 1), weight_v1),
                                                  (s.servable("claims-model", 2), 100 - weight_v1),
                                                  (s.servable("claims-model", 3), 0)]))


def test_planner_imports_no_io() -> None:
    banned = {"requests", "kubernetes", "sqlalchemy", "socket", "urllib", "http", "subprocess"}
    for path in PLANNER.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found = {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                found = {(node.module or "").split(".")[0]}
            else:
                found = set()
            assert not found & banned, f"{path.name} imports {found & banned}"
        assert "environ" not in path.read_text(), f"{path.name} reads the environment"


def test_importing_the_planner_loads_no_io_library() -> None:
    code = ("import sys, controller.planner; "
            "print(sorted(m for m in ('requests', 'kubernetes', 'sqlalchemy', 'socket', 'urllib3', 'flask') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=PLANNER.parents[1])
    assert result.stdout.strip() == "[]"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(s.desired_states())
def test_every_planned_manifest_passes_schema_and_admission(state: s.DesiredState) -> None:
    result = plan(state)
    assert_valid(list(result.manifests))
    assert len(result.keys()) == len(result.manifests), "two objects share a kind and name"
    revisions = {m["spec"]["template"]["metadata"]["name"] for m in result.manifests if m["kind"] == "Service"}
    for route in (m for m in result.manifests if m["kind"] == "Route"):
        assert {t["revisionName"] for t in route["spec"]["traffic"]} <= revisions
    names = {(m["kind"], m["metadata"]["name"]) for m in result.manifests}
    for trigger in (m for m in result.manifests if m["kind"] == "Trigger"):
        ref = trigger["spec"]["subscriber"]["ref"]
        assert (ref["kind"], ref["name"]) in names


def test_stage_route_splits_by_weight_and_leaves_shadows_out() -> None:
    result = plan(pipeline())
    route = result.by_key()[("serving.knative.dev/v1", "Route", "app-claims-s1")]
    traffic = route["spec"]["traffic"]
    assert [(t["tag"], t["percent"]) for t in traffic] == [("v1", 80), ("v2", 20)]
    services = result.by_key()
    for target, version in zip(traffic, (1, 2), strict=True):
        service = services[("serving.knative.dev/v1", "Service", f"mv-claims-model-{version}")]
        assert target["revisionName"] == service["spec"]["template"]["metadata"]["name"]
    stage = result.routing["applications"]["claims"]["stages"][1]
    assert [v["weight"] for v in stage["variants"]] == [80, 20]
    assert [(sh["service"], sh["url"]) for sh in stage["shadows"]] == [
        ("mv-claims-model-3", "http://mv-claims-model-3.hydro.svc.cluster.local")]


def test_routing_entry_names_routes_tags_and_the_async_endpoint() -> None:
    entry = plan(pipeline()).routing["applications"]["claims"]
    assert entry["contract"] == s.CONTRACT.to_dict()
    first = entry["stages"][0]
    assert first["grpcTarget"] == "app-claims-s0.hydro.svc.cluster.local:80"
    assert first["variants"][0]["url"] == "http://v1-app-claims-s0.hydro.svc.cluster.local"
    assert first["cloudevents"] == {"service": "hydro-gateway", "path": "/gateway/cloudevents/stage/claims/0",
                                    "replyType": "dev.hydro.prediction.response"}


def test_sequence_calls_the_gateway_per_stage_and_replies_to_the_broker() -> None:
    by_key = plan(pipeline()).by_key()
    sequence = by_key[("flows.knative.dev/v1", "Sequence", "app-claims")]
    assert [step["uri"] for step in sequence["spec"]["steps"]] == [
        "/gateway/cloudevents/stage/claims/0", "/gateway/cloudevents/stage/claims/1"]
    assert sequence["spec"]["reply"]["ref"]["kind"] == "Broker"
    trigger = by_key[("eventing.knative.dev/v1", "Trigger", "app-claims-request")]
    assert trigger["spec"]["filter"]["attributes"] == {"type": "dev.hydro.prediction.request",
                                                       "hydroapp": "claims"}
    assert trigger["spec"]["subscriber"]["ref"]["name"] == "app-claims"


def test_changing_one_weight_changes_only_that_route() -> None:
    before, after = plan(pipeline(80)).by_key(), plan(pipeline(60)).by_key()
    changed = {key for key in before if before[key] != after[key]}
    assert before.keys() == after.keys()
    assert changed == {("serving.knative.dev/v1", "Route", "app-claims-s1")}


def test_a_new_version_adds_exactly_one_service() -> None:
    base = pipeline()
    grown = dataclasses.replace(base, servables=(s.servable("claims-model", 4),))
    added = plan(grown).keys() - plan(base).keys()
    assert added == {("serving.knative.dev/v1", "Service", "mv-claims-model-4")}
    assert plan(base).by_key().items() <= plan(grown).by_key().items()


def test_deleting_an_application_prunes_exactly_its_objects() -> None:
    other = s.app("fraud", [(s.servable("fraud-model", 1), 100)])
    both, only = plan(s.state(*pipeline().applications, other)), plan(pipeline())
    removed = both.keys() - only.keys()
    assert removed == {
        ("serving.knative.dev/v1", "Service", "mv-fraud-model-1"),
        ("serving.knative.dev/v1", "Route", "app-fraud-s0"),
        ("flows.knative.dev/v1", "Sequence", "app-fraud"),
        ("eventing.knative.dev/v1", "Trigger", "app-fraud-request"),
    }
    assert only.keys() <= both.keys()


def test_an_unchanged_template_keeps_its_revision_name_and_a_changed_one_does_not() -> None:
    def revision(image: str) -> str:
        spec = dataclasses.replace(s.servable("m", 1), image=image)
        service = plan(s.state(servables=(spec,))).by_key()[("serving.knative.dev/v1", "Service", "mv-m-1")]
        return str(service["spec"]["template"]["metadata"]["name"])

    assert revision("img:1") == revision("img:1")
    assert revision("img:1") != revision("img:2")
    assert revision("img:1").startswith("mv-m-1-")


def test_deployment_configuration_maps_onto_knative() -> None:
    service = plan(s.state(servables=(s.servable("m", 1, s.HPA),))).manifests[1]
    assert service["metadata"]["name"] == "mv-m-1-cpu-heavy"
    template = service["spec"]["template"]
    assert {k: v for k, v in template["metadata"]["annotations"].items() if k.startswith("autoscaling")} == {
        "autoscaling.knative.dev/class": "hpa.autoscaling.knative.dev",
        "autoscaling.knative.dev/metric": "cpu", "autoscaling.knative.dev/target": "70",
        "autoscaling.knative.dev/min-scale": "2", "autoscaling.knative.dev/max-scale": "8",
        "autoscaling.knative.dev/initial-scale": "3",
    }
    container = template["spec"]["containers"][0]
    assert container["resources"] == {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2"}}
    assert {"name": "OMP_NUM_THREADS", "value": "2"} in container["env"]
    assert template["spec"]["nodeSelector"] == {"pool": "ml"}
    assert template["spec"]["tolerations"][0]["key"] == "gpu"


def test_functions_get_triggers_with_retries_and_dead_letter_and_a_ping_source() -> None:
    by_key = plan(s.state()).by_key()
    trigger = by_key[("eventing.knative.dev/v1", "Trigger", "fn-monitoring-inference-completed")]
    assert trigger["spec"]["delivery"] == {
        "retry": 5, "backoffPolicy": "exponential", "backoffDelay": "PT0.5S",
        "deadLetterSink": {"ref": {"apiVersion": "serving.knative.dev/v1", "kind": "Service",
                                   "name": "hydro-dead-letter"}}}
    ping = by_key[("sources.knative.dev/v1", "PingSource", "fn-drift-schedule")]
    assert ping["spec"]["schedule"] == "*/10 * * * *"
    assert ping["spec"]["sink"]["ref"]["name"] == "fn-drift"
    assert ("eventing.knative.dev/v1", "Broker", "hydro") in by_key


def test_manifests_come_in_apply_order() -> None:
    kinds = [m["kind"] for m in plan(pipeline()).manifests]
    order = ["Broker", "Service", "Route", "Sequence", "Trigger", "PingSource"]
    assert kinds == sorted(kinds, key=order.index)


def test_labels_identify_hydro_objects_and_are_valid_values() -> None:
    long_name = "m" * 70 + ".x"
    result = plan(s.state(s.app("a", [(s.servable(long_name, 1), 100)])))
    for manifest in result.manifests:
        labels = manifest["metadata"]["labels"]
        assert labels["app.kubernetes.io/managed-by"] == "hydro"
        assert labels["app.kubernetes.io/part-of"] == "hydro"
        assert all(is_label_value(value) for value in labels.values()), labels
    service = result.by_key()[("serving.knative.dev/v1", "Service", result.routing["servables"].popitem()[0])]
    assert service["metadata"]["labels"]["hydro.dev/model"] != long_name
    assert_valid(list(result.manifests))
