"""DesiredState builders and hypothesis strategies shared by the planner tests."""

from __future__ import annotations

import itertools

from hypothesis import strategies as st

from controller.desired_state import (
    ApplicationSpec,
    DesiredState,
    FunctionSpec,
    ServableSpec,
    StageSpec,
    VariantSpec,
)
from controller.resources.deployment_configuration import DeploymentConfiguration
from protos import events
from protos.contract import Contract

CONTRACT = Contract.from_dict({
    "name": "predict",
    "inputs": {"age": {"shape": "scalar", "type": "int64", "profile": "numerical"}},
    "outputs": {"score": {"shape": "scalar", "type": "double", "profile": "numerical"}},
})
IMAGE = "ghcr.io/hydro-serving/hydro-runtime:0.1.0"
FUNCTIONS = (
    FunctionSpec("monitoring", "ghcr.io/hydro-serving/hydro-functions:0.1.0",
                 (events.INFERENCE_COMPLETED, events.TRAININGDATA_UPLOADED)),
    FunctionSpec("drift", "ghcr.io/hydro-serving/hydro-functions:0.1.0", (), schedule="*/10 * * * *"),
)


def servable(model: str, version: int, config: DeploymentConfiguration | None = None) -> ServableSpec:
    return ServableSpec(model, version, version, "hydrosphere/serving-runtime-python-3.7:3.0.0", IMAGE,
                        f"s3://hydro/models/{model}/{version}", CONTRACT, config)


def app(name: str, *stages: list[tuple[ServableSpec, int]]) -> ApplicationSpec:
    return ApplicationSpec(name, tuple(StageSpec(tuple(VariantSpec(s, w) for s, w in stage)) for stage in stages),
                           CONTRACT)


def state(*apps: ApplicationSpec, servables: tuple[ServableSpec, ...] = (),
          functions: tuple[FunctionSpec, ...] = FUNCTIONS) -> DesiredState:
    return DesiredState(servables=servables, applications=apps, functions=functions)


HPA = DeploymentConfiguration.from_dict({
    "kind": "DeploymentConfiguration", "name": "cpu-heavy",
    "hpa": {"minReplicas": 2, "maxReplicas": 8, "cpuUtilization": 70},
    "deployment": {"replicaCount": 3},
    "container": {"resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2"}},
                  "env": {"OMP_NUM_THREADS": "2"}},
    "pod": {"nodeSelector": {"pool": "ml"},
            "tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}]},
})

names = st.from_regex(r"[a-z0-9]([a-z0-9_.-]{0,80}[a-z0-9])?", fullmatch=True)
configs = st.one_of(
    st.none(),
    st.builds(
        lambda name, low, extra, cpu, replicas: DeploymentConfiguration.from_dict({
            "name": name, "hpa": {"minReplicas": low, "maxReplicas": max(low, 1) + extra, "cpuUtilization": cpu},
            "deployment": {"replicaCount": replicas},
        }),
        names, st.integers(0, 5), st.integers(0, 20), st.integers(1, 100), st.integers(0, 10),
    ),
    st.builds(lambda name, replicas: DeploymentConfiguration.from_dict(
        {"name": name, "deployment": {"replicaCount": replicas}}), names, st.integers(0, 30)),
)


@st.composite
def weights(draw: st.DrawFn, count: int) -> list[int]:
    """`count` weights summing to 100 (each >= 1), in random order."""
    cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=count - 1, max_size=count - 1, unique=True)))
    bounds = [0, *cuts, 100]
    return [b - a for a, b in itertools.pairwise(bounds)]


@st.composite
def stages(draw: st.DrawFn) -> list[tuple[ServableSpec, int]]:
    count = draw(st.integers(1, 4))
    model = draw(names)
    versions = draw(st.lists(st.integers(1, 10_000), min_size=count, max_size=count, unique=True))
    variants = [servable(model, v, draw(configs)) for v in versions]
    shares = draw(weights(count))
    shadows = draw(st.integers(0, 2))
    shadow_versions = [max(versions) + i + 1 for i in range(shadows)]
    return [*zip(variants, shares, strict=True), *((servable(model, v), 0) for v in shadow_versions)]


@st.composite
def desired_states(draw: st.DrawFn) -> DesiredState:
    app_names = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    apps = tuple(app(name, *draw(st.lists(stages(), min_size=1, max_size=3))) for name in app_names)
    return state(*apps)
