"""KubeApplier driven through the real `kubernetes` client against the in-process API server."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from controller.kube.api import CustomObjectsKubeApi, KubeApiError, resource_for
from controller.kube.applier import ApplyError, KubeApplier, RetryPolicy
from controller.planner import plan
from tests.controller.kube.kube_api_server import KubeApiServer
from tests.controller.planner import states as s

Status = tuple[str, str, "bool | None", str]


def _manifests(weight: int = 80) -> list[dict[str, Any]]:
    return list(plan(s.state(s.app(
        "claims", [(s.servable("claims-model", 1), weight), (s.servable("claims-model", 2), 100 - weight)]),
        functions=())).manifests)


def _applier(api: CustomObjectsKubeApi, seen: list[Status] | None = None, **kwargs: Any) -> KubeApplier:
    def record(kind: str, name: str, ready: bool | None, message: str) -> None:
        if seen is not None:
            seen.append((kind, name, ready, message))

    return KubeApplier(api, "hydro", on_status=record, retry=RetryPolicy(attempts=4, initial_delay=0.01),
                       poll_interval=0.01, **kwargs)


def _plural(manifest: dict[str, Any]) -> str:
    return resource_for(manifest).plural


def test_apply_creates_everything_then_is_a_no_op(kube_server: KubeApiServer, kube_api: CustomObjectsKubeApi) -> None:
    manifests = _manifests()
    first = _applier(kube_api).apply(manifests, wait=False)
    assert set(first.actions.values()) == {"created"}
    assert set(kube_server.objects("routes")) == {"app-claims-s0"}
    again = _applier(kube_api).apply(manifests, wait=False)
    assert set(again.actions.values()) == {"unchanged"}
    writes = [r for r in kube_server.state.requests if r.method in ("POST", "PUT")]
    assert len(writes) == len(manifests)
    assert all(r.query.get("fieldValidation") == "Strict" and r.query.get("fieldManager") == "hydro"
               for r in writes)


def test_changed_weights_replace_only_the_route_and_keep_foreign_annotations(
        kube_server: KubeApiServer, kube_api: CustomObjectsKubeApi) -> None:
    _applier(kube_api).apply(_manifests(80), wait=False)
    route = kube_server.state.objects[("serving.knative.dev/v1", "routes", "hydro", "app-claims-s0")]
    route["metadata"]["annotations"]["serving.knative.dev/creator"] = "admin"
    report = _applier(kube_api).apply(_manifests(50), wait=False)
    assert {k for k, v in report.actions.items() if v == "updated"} == {"Route/app-claims-s0"}
    live = kube_server.objects("routes")["app-claims-s0"]
    assert [t["percent"] for t in live["spec"]["traffic"]] == [50, 50]
    assert live["metadata"]["annotations"]["serving.knative.dev/creator"] == "admin"
    assert live["metadata"]["generation"] == 2


def test_prune_deletes_only_managed_objects_the_plan_dropped(
        kube_server: KubeApiServer, kube_api: CustomObjectsKubeApi) -> None:
    stale = copy.deepcopy(_manifests()[1])
    stale["metadata"]["name"] = "mv-old-1"
    kube_server.put("serving.knative.dev/v1", "services", "hydro", stale)
    foreign = copy.deepcopy(stale)
    foreign["metadata"]["name"] = "hydro-gateway"
    foreign["metadata"]["labels"]["app.kubernetes.io/managed-by"] = "kustomize"
    kube_server.put("serving.knative.dev/v1", "services", "hydro", foreign)
    report = _applier(kube_api).apply(_manifests(), wait=False)
    assert report.pruned == ["Service/mv-old-1"]
    assert "mv-old-1" not in kube_server.objects("services")
    assert "hydro-gateway" in kube_server.objects("services")


def test_dry_run_sends_dry_run_all_and_stores_nothing(
        kube_server: KubeApiServer, kube_api: CustomObjectsKubeApi) -> None:
    report = _applier(kube_api).apply(_manifests(), dry_run=True)
    assert set(report.actions.values()) == {"created"} and report.statuses == []
    assert kube_server.objects("services") == {}
    posts = [r for r in kube_server.state.requests if r.method == "POST"]
    assert posts and all(r.query.get("dryRun") == "All" for r in posts)


def test_invalid_manifest_fails_naming_the_object_and_the_reason(kube_api: CustomObjectsKubeApi) -> None:
    manifests = _manifests()
    manifests[1]["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] = 9090
    name = manifests[1]["metadata"]["name"]
    with pytest.raises(ApplyError, match=rf"Service/{name}.*422.*reserved"):
        _applier(kube_api).apply(manifests, wait=False)


@pytest.mark.parametrize(("method", "status"), [("POST", 409), ("POST", 429), ("GET", 503), ("PUT", 409)])
def test_transient_errors_are_retried(kube_server: KubeApiServer, kube_api: CustomObjectsKubeApi,
                                      method: str, status: int) -> None:
    if method == "PUT":
        _applier(kube_api).apply(_manifests(80), wait=False)
    kube_server.fail_next(method, status, times=2)
    report = _applier(kube_api).apply(_manifests(50), wait=False)
    assert "Route/app-claims-s0" in report.actions
    assert kube_server.objects("routes")["app-claims-s0"]["spec"]["traffic"][0]["percent"] == 50


def test_retries_run_out_with_an_error(kube_server: KubeApiServer, kube_api: CustomObjectsKubeApi) -> None:
    kube_server.fail_next("GET", 500, times=10)
    with pytest.raises(ApplyError, match=r"apply Broker/hydro failed: 500"):
        _applier(kube_api).apply(_manifests(), wait=False)


def test_unreachable_server_is_a_transient_error() -> None:
    from kubernetes import client

    configuration = client.Configuration(host="http://127.0.0.1:9")
    configuration.retries = 0
    api = CustomObjectsKubeApi(client.ApiClient(configuration))
    with pytest.raises(KubeApiError) as caught:
        api.get(resource_for(_manifests()[0]), "hydro", "hydro")
    assert caught.value.status == 0 and caught.value.transient


def test_wait_reports_each_status_change_until_ready(
        kube_server: KubeApiServer, kube_api: CustomObjectsKubeApi) -> None:
    manifests = _manifests()
    seen: list[Status] = []
    applier = _applier(kube_api, seen)
    applier.apply(manifests, wait=False)
    statuses = applier.wait_ready(manifests, timeout=0)
    assert {st.ready for st in statuses} == {None}
    for manifest in manifests:
        kube_server.set_status(_plural(manifest), manifest["metadata"]["name"], "True")
    kube_server.set_status("routes", "app-claims-s0", "False", "RevisionMissing")
    statuses = applier.wait_ready(manifests, timeout=0)
    assert ("Route", "app-claims-s0", False, "RevisionMissing") in seen
    kube_server.set_status("routes", "app-claims-s0", "True")
    assert all(st.ready for st in applier.wait_ready(manifests, timeout=5))
    assert [st for st in seen if st[1] == "app-claims-s0"][-1] == ("Route", "app-claims-s0", True, "")


def test_ready_for_an_older_generation_does_not_count(
        kube_server: KubeApiServer, kube_api: CustomObjectsKubeApi) -> None:
    _applier(kube_api).apply(_manifests(80), wait=False)
    kube_server.set_status("routes", "app-claims-s0", "True")
    _applier(kube_api).apply(_manifests(50), wait=False)
    route = [m for m in _manifests(50) if m["kind"] == "Route"]
    status = _applier(kube_api).wait_ready(route, timeout=0)[0]
    assert status.ready is None and "generation 2" in status.message
