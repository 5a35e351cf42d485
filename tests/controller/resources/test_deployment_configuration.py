from __future__ import annotations

from typing import Any

import pytest

from controller.errors import InvalidResource
from controller.planner import scaling
from controller.resources import DeploymentConfiguration

FULL = {
    "kind": "DeploymentConfiguration",
    "name": "cpu-heavy",
    "hpa": {"minReplicas": 2, "maxReplicas": 10, "cpuUtilization": 80},
    "deployment": {"replicaCount": 3},
    "container": {
        "resources": {"limits": {"cpu": "2", "memory": "4G"}, "requests": {"cpu": "1", "memory": "2G"}},
        "env": {"OMP_NUM_THREADS": 2},
    },
    "pod": {
        "nodeSelector": {"pool": "ml"},
        "tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],
        "affinity": {"node_affinity": {"required_during_scheduling_ignored_during_execution": {
            "node_selector_terms": [{"match_expressions": [{"key": "a", "operator": "In", "values": ["b"]}]}]
        }}},
    },
}


def test_round_trip_to_hydrosphere_json() -> None:
    config = DeploymentConfiguration.from_dict(FULL)
    out = config.to_dict()
    assert out["hpa"] == {"minReplicas": 2, "maxReplicas": 10, "cpuUtilization": 80}
    assert out["deployment"] == {"replicaCount": 3}
    assert out["container"]["env"] == {"OMP_NUM_THREADS": "2"}
    assert out["pod"]["nodeSelector"] == {"pool": "ml"}
    # snake_case written by hydrosdk users comes out in Kubernetes' camelCase.
    assert "nodeAffinity" in out["pod"]["affinity"]
    terms = out["pod"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms["nodeSelectorTerms"][0]["matchExpressions"][0]["key"] == "a"
    assert DeploymentConfiguration.from_dict({"kind": "DeploymentConfiguration", **out}) == config


def test_scaling_extension_round_trips_and_becomes_knative_annotations() -> None:
    config = DeploymentConfiguration.from_dict(
        {"name": "c", "scaling": {"idle_window": "2m", "targetConcurrency": 4}})
    assert config.to_dict()["scaling"] == {"idleWindow": "120s", "targetConcurrency": 4}
    assert DeploymentConfiguration.from_dict(config.to_dict()) == config
    annotations = scaling.autoscaling(config, default_max_scale=10)
    assert annotations[scaling.RETENTION] == "120s"
    assert annotations[scaling.TARGET] == "4"
    assert annotations[scaling.MIN_SCALE] == "0"


def test_env_as_kubernetes_list() -> None:
    config = DeploymentConfiguration.from_dict(
        {"name": "c", "container": {"env": [{"name": "A", "value": "1"}, {"name": "B"}]}}
    )
    assert config.container is not None
    assert dict(config.container.env) == {"A": "1", "B": ""}


@pytest.mark.parametrize(
    ("spec", "path", "problem"),
    [
        ({"hpa": {"minReplicas": 5, "maxReplicas": 2}}, "hpa.maxReplicas", ">= minReplicas"),
        ({"hpa": {"minReplicas": -1}}, "hpa.minReplicas", ">= 0"),
        ({"hpa": {"minReplicas": 1, "maxReplicas": 2, "cpuUtilization": 150}}, "hpa.cpuUtilization", "<= 100"),
        ({"hpa": {"minReplicas": "one"}}, "hpa.minReplicas", "integer"),
        ({"hpa": {"targetQps": 5}}, "hpa.targetQps", "unknown field"),
        ({"deployment": {"replicaCount": 1.5}}, "deployment.replicaCount", "integer"),
        ({"container": {"resources": {"limits": {"cpus": "1"}}}}, "container.resources.limits.cpus",
         "unknown resource"),
        ({"container": {"env": {"1BAD": "x"}}}, "container.env.1BAD", "environment variable"),
        ({"pod": {"tolerations": "all"}}, "pod.tolerations", "list"),
        ({"name": "Big Config"}, "name", "not a valid name"),
        ({"scaling": {"idleWindow": "5 minutes"}}, "scaling.idleWindow", "duration like 90s"),
        ({"scaling": {"idleWindow": "2h"}}, "scaling.idleWindow", "between 0s and 1h"),
        ({"scaling": {"targetConcurrency": 0}}, "scaling.targetConcurrency", ">= 1"),
        ({"hpa": {"minReplicas": 1, "maxReplicas": 2}, "scaling": {"targetConcurrency": 4}},
         "scaling.targetConcurrency", "cannot be combined with hpa"),
    ],
)
def test_invalid_configuration_names_the_field(spec: dict[str, Any], path: str, problem: str) -> None:
    with pytest.raises(InvalidResource) as caught:
        DeploymentConfiguration.from_dict({"kind": "DeploymentConfiguration", "name": "c", **spec})
    assert caught.value.path == path
    assert problem in caught.value.problem
