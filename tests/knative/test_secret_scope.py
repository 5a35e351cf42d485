"""A model cannot read the platform's database or Redis credentials from its environment.

Model code shares its runtime's process, so whatever its pod's environment holds (an `envFrom`
Secret or ConfigMap, an `env` value, a mounted Secret) the model can read. Checked on the
rendered dev overlay and on the planner's output for models in applications plus the standard
functions, with every reference resolved against the overlay's own Secrets and ConfigMaps.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import pytest

from controller.desired_state import DesiredState, PlatformSpec
from controller.planner import labels, naming, plan
from controller.planner.functions import STANDARD_FUNCTIONS
from tests.controller.planner import states as s
from tests.knative.test_kustomize import render

CREDENTIAL_KEYS = frozenset({"HYDRO_DATABASE_URL", "HYDRO_FUNCTIONS_DATABASE_URL", "HYDRO_REDIS_URL",
                             "POSTGRES_PASSWORD"})
PLATFORM = PlatformSpec()
FUNCTION_SERVICES = frozenset(naming.function_service(f.name) for f in STANDARD_FUNCTIONS)
STORE_READERS = FUNCTION_SERVICES | {"hydro-controller", "hydro-dead-letter"}
MODEL_COMPONENTS = ("model", "metric-model")
Sources = dict[tuple[str, str], dict[str, str]]


@pytest.fixture(scope="module")
def dev() -> list[dict[str, Any]]:
    return render("overlays/dev")


@pytest.fixture(scope="module")
def sources(dev: list[dict[str, Any]]) -> Sources:
    """What each Secret and ConfigMap of the dev install holds: `{(kind, name): {key: value}}`."""
    out: Sources = {}
    for obj in dev:
        if obj["kind"] == "Secret":
            data = {k: base64.b64decode(v).decode() for k, v in obj.get("data", {}).items()}
            out[("secret", obj["metadata"]["name"])] = data | obj.get("stringData", {})
        elif obj["kind"] == "ConfigMap":
            out[("configMap", obj["metadata"]["name"])] = dict(obj.get("data", {}))
    return out


def _planned() -> list[dict[str, Any]]:
    """Models in two applications (one with a deployment configuration), a metric model, functions."""
    metric = replace(s.servable("claims-outliers", 1), is_metric=True)
    state = s.state(
        s.app("claims", [(s.servable("claims-preprocessing", 1), 100)],
              [(s.servable("claims-model", 1), 80), (s.servable("claims-model", 2, s.HPA), 20)]),
        s.app("claims-singular", [(s.servable("claims-model", 3), 100)]),
        servables=(metric,), functions=STANDARD_FUNCTIONS)
    return list(plan(state).manifests)


def _workloads(objects: list[dict[str, Any]]) -> dict[str, tuple[dict[str, str], dict[str, Any]]]:
    """`{name: (template labels, pod spec)}` of every Deployment and Knative Service."""
    return {o["metadata"]["name"]: (o["spec"]["template"].get("metadata", {}).get("labels", {}),
                                    o["spec"]["template"]["spec"])
            for o in objects if o["kind"] in ("Deployment", "Service") and "template" in o.get("spec", {})}


def _references(pod: dict[str, Any]) -> set[tuple[str, str]]:
    """Every Secret and ConfigMap a pod can read: `envFrom`, `env[].valueFrom`, volumes."""
    refs: set[tuple[str, str]] = set()
    for container in pod["containers"]:
        for source in container.get("envFrom", []):
            refs |= {(kind, source[f"{kind}Ref"]["name"]) for kind in ("secret", "configMap")
                     if f"{kind}Ref" in source}
        for variable in container.get("env", []):
            value_from = variable.get("valueFrom", {})
            refs |= {(kind, value_from[f"{kind}KeyRef"]["name"]) for kind in ("secret", "configMap")
                     if f"{kind}KeyRef" in value_from}
    for volume in pod.get("volumes", []):
        for item in [volume, *volume.get("projected", {}).get("sources", [])]:
            if "secret" in item:
                refs.add(("secret", item["secret"].get("secretName") or item["secret"]["name"]))
            if "configMap" in item:
                refs.add(("configMap", item["configMap"]["name"]))
    return refs


def _environment(pod: dict[str, Any], sources: Sources) -> dict[str, str]:
    """The variables a pod's containers start with (`envFrom` in order, then `env`; Kubernetes' precedence)."""
    env: dict[str, str] = {}
    for container in pod["containers"]:
        for source in container.get("envFrom", []):
            for kind in ("secret", "configMap"):
                if f"{kind}Ref" in source:
                    env |= sources.get((kind, source[f"{kind}Ref"]["name"]), {})
        env |= {v["name"]: v.get("value", "<from a reference>") for v in container.get("env", [])}
    return env


def _holds_credentials(ref: tuple[str, str], sources: Sources) -> bool:
    """The database Secret, or a source with a database URL or password, or a URL with a password."""
    values = sources.get(ref, {})
    return (ref == ("secret", PLATFORM.database_secret)
            or bool((CREDENTIAL_KEYS - {"HYDRO_REDIS_URL"}) & set(values))
            or any("://" in value and urlsplit(value).password for value in values.values()))


def _runs_model(pod_labels: dict[str, str], pod: dict[str, Any]) -> bool:
    return (pod_labels.get(labels.COMPONENT) in MODEL_COMPONENTS
            or any(v["name"] == "HYDRO_MODEL_URI" for c in pod["containers"] for v in c.get("env", [])))


def test_the_dev_secrets_separate_the_object_store_from_the_database(sources: Sources) -> None:
    artifacts = sources[("secret", PLATFORM.artifact_secret)]
    assert set(artifacts) == {"HYDRO_S3_ENDPOINT", "HYDRO_S3_ACCESS_KEY", "HYDRO_S3_SECRET_KEY"}
    database = sources[("secret", PLATFORM.database_secret)]
    assert database["HYDRO_DATABASE_URL"].startswith("postgresql+psycopg://hydro:hydro-dev@postgres.")
    assert not any("hydro-dev@" in value for value in artifacts.values())


def test_model_pods_read_only_the_object_store_secret(sources: Sources) -> None:
    models = {name: pod for name, (pod_labels, pod) in _workloads(_planned()).items() if _runs_model(pod_labels, pod)}
    assert len(models) == 5
    for name, pod in models.items():
        refs = _references(pod)
        assert refs == {("secret", PLATFORM.artifact_secret)}, name
        assert set(refs) <= set(sources), f"{name} reads a source the install does not define: {refs}"
        assert not any(_holds_credentials(ref, sources) for ref in refs), name
        env = _environment(pod, sources)
        assert not CREDENTIAL_KEYS & set(env), name
        assert not any("hydro-dev@" in value or "redis://" in value for value in env.values()), name
        assert env["HYDRO_S3_ENDPOINT"] == "http://minio.hydro.svc.cluster.local:9000", name


def test_functions_get_the_database_secret_from_the_planner(sources: Sources) -> None:
    workloads = _workloads(_planned())
    functions = {name for name, (pod_labels, _) in workloads.items() if pod_labels.get(labels.COMPONENT) == "function"}
    assert functions == FUNCTION_SERVICES
    for name in functions:
        container = workloads[name][1]["containers"][0]
        assert {"secretRef": {"name": PLATFORM.database_secret, "optional": True}} in container["envFrom"], name
        assert _environment(workloads[name][1], sources)["HYDRO_DATABASE_URL"].startswith("postgresql+psycopg://")


def test_only_the_platform_and_the_database_read_credentials_in_the_dev_install(
        dev: list[dict[str, Any]], sources: Sources) -> None:
    readers = {name for name, (_, pod) in _workloads(dev).items()
               if any(_holds_credentials(ref, sources) for ref in _references(pod))}
    assert readers == STORE_READERS | {"postgres"}
    workloads = _workloads(dev)
    for name in STORE_READERS:
        assert ("secret", PLATFORM.database_secret) in _references(workloads[name][1]), name
        assert "HYDRO_DATABASE_URL" in _environment(workloads[name][1], sources), name
    for name in ("hydro-gateway", "hydro-gateway-grpc", "redis", "minio"):
        env = _environment(workloads[name][1], sources)
        assert not {"HYDRO_DATABASE_URL", "POSTGRES_PASSWORD"} & set(env), name
        assert not any("hydro-dev@" in value for value in env.values()), name


def test_a_renamed_database_secret_reaches_functions_and_never_models() -> None:
    platform = PlatformSpec(database_secret="catalog-credentials")
    state = DesiredState(servables=(s.servable("claims-model", 1),), functions=STANDARD_FUNCTIONS, platform=platform)
    for name, (pod_labels, pod) in _workloads(list(plan(state).manifests)).items():
        reads_it = ("secret", "catalog-credentials") in _references(pod)
        assert reads_it == (not _runs_model(pod_labels, pod)), name
        assert ("secret", "hydro-database") not in _references(pod), name


@pytest.mark.parametrize("origin", ["dev overlay", "planner"])
def test_only_the_controller_gets_a_kubernetes_api_token(origin: str, dev: list[dict[str, Any]]) -> None:
    objects = dev if origin == "dev overlay" else _planned()
    workloads = _workloads(objects)
    assert workloads
    for name, (_, pod) in workloads.items():
        if name == "hydro-controller":
            assert pod["serviceAccountName"] == "hydro-controller"
            assert pod.get("automountServiceAccountToken", True) is True
        else:
            assert pod.get("automountServiceAccountToken") is False, name


def test_only_functions_get_the_functions_token_secret() -> None:
    """The functions' manager-API token reaches the four function Services and no model's pod."""
    workloads = _workloads(_planned())
    token_ref = ("secret", PLATFORM.functions_auth_secret)
    holders = {name for name, (_, pod) in workloads.items() if token_ref in _references(pod)}
    assert holders == FUNCTION_SERVICES
    for name in holders:
        container = workloads[name][1]["containers"][0]
        assert {"secretRef": {"name": PLATFORM.functions_auth_secret, "optional": True}} in container["envFrom"], name
    for name, (pod_labels, pod) in workloads.items():
        if _runs_model(pod_labels, pod):
            assert _references(pod) == {("secret", PLATFORM.artifact_secret)}, name
            assert not any(v["name"] == "HYDRO_CONTROLLER_TOKEN" for c in pod["containers"] for v in c.get("env", []))


def test_the_dev_install_gives_the_token_to_the_controller_and_the_functions_only(dev: list[dict[str, Any]]) -> None:
    """The controller stores the functions' token from the same Secret the functions read it from."""
    workloads = _workloads(dev)
    readers = {name for name, (_, pod) in workloads.items()
               if ("secret", PLATFORM.functions_auth_secret) in _references(pod)}
    assert readers == FUNCTION_SERVICES | {"hydro-controller"}
    controller = workloads["hydro-controller"][1]["containers"][0]
    stored = {v["name"]: v["valueFrom"]["secretKeyRef"] for v in controller["env"] if "valueFrom" in v}
    assert stored["HYDRO_FUNCTIONS_CONTROLLER_TOKEN"] == {
        "name": PLATFORM.functions_auth_secret, "key": "HYDRO_CONTROLLER_TOKEN", "optional": True}


def test_a_renamed_functions_token_secret_reaches_functions_and_never_models() -> None:
    platform = PlatformSpec(functions_auth_secret="functions-credentials")
    state = DesiredState(servables=(s.servable("claims-model", 1),), functions=STANDARD_FUNCTIONS, platform=platform)
    for name, (pod_labels, pod) in _workloads(list(plan(state).manifests)).items():
        assert (("secret", "functions-credentials") in _references(pod)) == (not _runs_model(pod_labels, pod)), name
