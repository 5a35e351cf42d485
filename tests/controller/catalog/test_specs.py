"""Deployment configurations, metric specs, training data and servables."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.catalog import Catalog, ServableStatus
from controller.catalog import outbox as events
from controller.errors import BadRequest, Conflict, InvalidResource, NotFound
from controller.resources import DeploymentConfiguration
from tests.controller.catalog.conftest import released

FULL_CONFIG = {
    "kind": "DeploymentConfiguration", "name": "cpu-heavy",
    "hpa": {"minReplicas": 2, "maxReplicas": 10, "cpuUtilization": 80},
    "deployment": {"replicaCount": 3},
    "container": {"resources": {"limits": {"cpu": "2"}, "requests": {"memory": "2G"}}, "env": {"A": "1"}},
    "pod": {"nodeSelector": {"pool": "ml"}, "tolerations": [{"key": "gpu", "operator": "Exists"}]},
}


def test_deployment_configuration_round_trips(catalog: Catalog) -> None:
    config = DeploymentConfiguration.from_dict(FULL_CONFIG)
    catalog.create_deployment_configuration(config)
    stored = catalog.get_deployment_configuration("cpu-heavy")
    assert stored == config and stored.to_dict() == config.to_dict()
    assert catalog.create_deployment_configuration(config) == config  # the same spec again: no-op
    changed = DeploymentConfiguration.from_dict({**FULL_CONFIG, "deployment": {"replicaCount": 4}})
    with pytest.raises(Conflict, match=r"cpu-heavy already exists with a different spec"):
        catalog.create_deployment_configuration(changed)
    with pytest.raises(NotFound, match=r"deployment configuration nope not found"):
        catalog.get_deployment_configuration("nope")


def test_metric_spec_crud_in_hydrosphere_shape(catalog: Catalog, payload: Path) -> None:
    target, monitor = released(catalog, payload), released(catalog, payload, "outliers")
    spec = catalog.create_metric_spec("outlier", target, monitor, threshold=0.7, operator=">")
    assert catalog.get_metric_spec(spec.id).to_hydrosphere() == {
        "id": spec.id, "name": "outlier", "modelVersionId": target,
        "config": {"modelVersionId": monitor, "threshold": 0.7, "thresholdCmpOperator": {"kind": "Greater"}},
    }
    assert catalog.list_metric_specs(target) == [spec] and catalog.list_metric_specs(monitor) == []
    assert catalog.get_servable("outliers-1").standalone is False
    catalog.delete_metric_spec(spec.id)
    assert catalog.list_metric_specs() == [] and catalog.list_servables() == []
    types = [e.type for e in catalog.events_since(0)]
    assert types.count(events.METRIC_SPEC_CHANGED) == 2


def test_metric_spec_validation_names_the_field(catalog: Catalog, payload: Path) -> None:
    target = released(catalog, payload)
    with pytest.raises(NotFound, match=r"model version 99 not found") as caught:
        catalog.create_metric_spec("m", target, 99)
    assert caught.value.field == "config.modelVersionId"
    with pytest.raises(InvalidResource, match=r"config.thresholdCmpOperator.kind: unknown operator"):
        catalog.create_metric_spec("m", target, target, operator="about")
    with pytest.raises(BadRequest, match=r"cannot monitor itself"):
        catalog.create_metric_spec("m", target, target)


def test_training_data_records_and_status(catalog: Catalog, payload: Path) -> None:
    version = released(catalog, payload)
    data = catalog.add_training_data(version, "file:///data/train.csv")
    assert (data.status, data.profile_status, data.rows) == ("Uploaded", "Pending", None)
    assert catalog.get_version(version).training_data_uri == "file:///data/train.csv"
    done = catalog.update_training_data(data.id, profile_status="Success", profile_message="ok", rows=150)
    assert (done.status, done.profile_status, done.profile_message, done.rows) == ("Uploaded", "Success", "ok", 150)
    assert catalog.list_training_data(version) == [done]
    uploaded = [e for e in catalog.events_since(0) if e.type == events.TRAINING_DATA_UPLOADED]
    assert [e.subject for e in uploaded] == ["claims-model:1"]
    with pytest.raises(NotFound, match=r"training data 42 not found"):
        catalog.update_training_data(42, status="x")


def test_standalone_servable_is_idempotent_and_reports_status(catalog: Catalog, payload: Path) -> None:
    released(catalog, payload)
    servable = catalog.create_servable("claims-model", 1, metadata={"by": "cli"})
    assert catalog.create_servable("claims-model", 1).id == servable.id
    assert (servable.name, servable.status, servable.standalone) == ("claims-model-1", ServableStatus.STARTING, True)
    serving = catalog.report_servable_status("claims-model-1", ServableStatus.SERVING, "ready", replicas=3)
    assert (serving.status, serving.replicas, serving.metadata) == (ServableStatus.SERVING, 3, {"by": "cli"})
    assert catalog.find_servable("claims-model", 1) == serving
    with pytest.raises(NotFound, match=r"servable of model version claims-model:1 with deployment configuration x"):
        catalog.find_servable("claims-model", 1, "x")
    with pytest.raises(NotFound, match=r"model version claims-model:5 not found"):
        catalog.create_servable("claims-model", 5)
    with pytest.raises(BadRequest, match=r"status: 'Up' is not one of"):
        catalog.report_servable_status("claims-model-1", "Up")
