"""Least privilege: the controller's Role grants exactly the Kubernetes calls it really makes.

The calls are not read from a declaration: the real `KubeApplier` drives the real `kubernetes`
client against the in-process API server (tests/controller/kube) through a plan with every kind
it manages: create, wait for Ready, update, dry runs, conflicts and prune. Each HTTP request the
server saw becomes (API group, resource, verb). The rendered install (`kubectl kustomize`) must
grant exactly that set to the controller's ServiceAccount, and nothing else anywhere.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from controller.kube.api import PERMISSIONS, RESOURCES, CustomObjectsKubeApi
from controller.kube.applier import KubeApplier, RetryPolicy
from controller.planner import plan
from tests.controller.kube.knative_check import assert_valid
from tests.controller.kube.kube_api_server import KubeApiServer
from tests.controller.planner import states as s
from tests.knative.test_kustomize import render

ROOT = Path(__file__).resolve().parents[2]
Permission = tuple[str, str, str]
HTTP_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
RBAC_KINDS = {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}


def _manifests(weight: int) -> list[dict[str, Any]]:
    """Every kind the applier manages: Broker, Services, Routes, a Sequence, Triggers, PingSources."""
    first = [(s.servable("claims-model", 1), weight), (s.servable("claims-model", 2), 100 - weight)]
    return list(plan(s.state(s.app("claims", first, [(s.servable("claims-scorer", 1), 100)]))).manifests)


def _verb(method: str, path: str) -> Permission:
    _, group, _version, _, _namespace, plural, *name = path.strip("/").split("/")
    verb = ("get" if name else "list") if method == "GET" else HTTP_VERBS[method]
    return group, plural, verb


@pytest.fixture(scope="module")
def used() -> Iterator[set[Permission]]:
    server = KubeApiServer().start()
    configuration = client.Configuration(host=server.url)
    configuration.retries = 0
    applier = KubeApplier(CustomObjectsKubeApi(client.ApiClient(configuration)), "hydro",
                          retry=RetryPolicy(attempts=3, initial_delay=0.01), poll_interval=0.01)
    try:
        _exercise(server, applier)
        yield {_verb(r.method, r.path) for r in server.state.requests}
    finally:
        server.stop()


def _exercise(server: KubeApiServer, applier: KubeApplier) -> None:
    manifests = _manifests(80)
    applier.apply(manifests, dry_run=True)
    applier.apply(manifests, wait=False)
    for manifest in manifests:
        plural = next(r.plural for r in RESOURCES if r.kind == manifest["kind"])
        server.set_status(plural, manifest["metadata"]["name"], "True")
    assert applier.wait_ready(manifests, timeout=10)
    server.fail_next("PUT", 409)  # a concurrent writer: re-read and retry
    changed = [_changed(m) for m in _manifests(60)]
    assert set(applier.apply(changed, wait=False).actions.values()) == {"updated"}
    applier.apply(changed, dry_run=True, wait=False)
    applier.prune(set(), dry_run=True)
    assert len(applier.prune(set())) == len(changed)


def _changed(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest with new content, so that every kind is updated in place."""
    meta = manifest["metadata"]
    return {**manifest, "metadata": {**meta, "annotations": {**meta.get("annotations", {}), "hydro.dev/t": "2"}}}


def _granted(objects: list[dict[str, Any]]) -> set[Permission]:
    roles = [o for o in objects if o["kind"] in ("Role", "ClusterRole")]
    return {(group, resource, verb) for role in roles for rule in role.get("rules", [])
            for group in rule.get("apiGroups", []) for resource in rule.get("resources", [])
            for verb in rule.get("verbs", [])}


@pytest.mark.parametrize("folder", ["base", "overlays/dev"])
def test_the_role_grants_exactly_the_calls_the_applier_makes(used: set[Permission], folder: str) -> None:
    assert {kind for _, kind, _ in used} == {r.plural for r in RESOURCES}  # every managed kind was exercised
    assert _granted(render(folder)) == used


def test_the_declared_permissions_match_the_recorded_calls(used: set[Permission]) -> None:
    assert used == PERMISSIONS


@pytest.mark.parametrize("folder", ["base", "overlays/dev"])
def test_no_wildcards_no_secrets_no_cluster_scope(folder: str) -> None:
    objects = render(folder)
    rules = [rule for o in objects if o["kind"] in ("Role", "ClusterRole") for rule in o.get("rules", [])]
    assert rules
    for rule in rules:
        for key in ("apiGroups", "resources", "verbs"):
            assert "*" not in rule.get(key, []), rule
        assert "nonResourceURLs" not in rule and "resourceNames" not in rule, rule
        assert not {"secrets", "pods", "pods/exec", "serviceaccounts", "roles", "rolebindings"} & set(
            rule["resources"]), rule
    assert not [o for o in objects if o["kind"] in ("ClusterRole", "ClusterRoleBinding")]


def test_the_role_is_bound_to_the_controllers_service_account_only() -> None:
    objects = render("overlays/dev")
    rbac = [o for o in objects if o["kind"] in RBAC_KINDS]
    assert sorted((o["kind"], o["metadata"]["name"]) for o in rbac) == [
        ("Role", "hydro-controller"), ("RoleBinding", "hydro-controller")]
    binding = next(o for o in rbac if o["kind"] == "RoleBinding")
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "hydro-controller"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "hydro-controller", "namespace": "hydro"}]
    controller = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "hydro-controller")
    assert controller["spec"]["template"]["spec"]["serviceAccountName"] == "hydro-controller"
    accounts = {o["metadata"]["name"] for o in objects if o["kind"] == "ServiceAccount"}
    assert accounts == {"hydro-controller"}


def test_only_the_custom_objects_api_is_used() -> None:
    """The recording covers every call: no module reaches Kubernetes by another client API."""
    apis = set()
    for path in (ROOT / "controller").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr.endswith("Api") and node.attr[0].isupper():
                apis.add((path.relative_to(ROOT).as_posix(), node.attr))
    assert apis == {("controller/kube/api.py", "CustomObjectsApi")}


def test_model_and_function_pods_get_no_service_account_token() -> None:
    """Model code (and the functions) never call the Kubernetes API, so no token is mounted for
    them to find; the manifests stay valid for the CRD schemas and Knative's admission rules."""
    planned = list(plan(s.state(s.app("claims", [(s.servable("claims-model", 1, s.HPA), 100)]),
                                servables=(s.servable("solo", 1),))).manifests)
    rendered = [o for o in render("base") if o["metadata"]["name"].startswith("fn-")]
    services = [m for m in planned + rendered if m["kind"] == "Service"]
    assert {m["metadata"]["labels"]["app.kubernetes.io/component"] for m in services} >= {"model", "function"}
    for service in services:
        assert service["spec"]["template"]["spec"]["automountServiceAccountToken"] is False, service["metadata"]
    assert_valid(planned)
