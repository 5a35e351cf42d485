"""Deleting what is still in use is refused with 409; what is free goes, with its artifacts."""

from __future__ import annotations

from pathlib import Path

import pytest

from controller.catalog import Catalog
from controller.errors import Conflict, NotFound
from controller.storage import LocalArtifactStore
from tests.controller.catalog.conftest import application, config, released


def test_model_used_by_an_application_is_not_deleted(catalog: Catalog, payload: Path) -> None:
    released(catalog, payload)
    released(catalog, payload)
    catalog.create_application(application("claims", [[{"model": "claims-model:2"}]]))
    model_id = catalog.get_model_by_name("claims-model").id
    with pytest.raises(Conflict, match=r"version claims-model:2 is used by an application") as caught:
        catalog.delete_model(model_id)
    assert caught.value.status == 409
    assert len(catalog.list_versions("claims-model")) == 2


def test_model_used_by_a_servable_is_not_deleted(catalog: Catalog, payload: Path) -> None:
    released(catalog, payload)
    catalog.create_servable("claims-model", 1)
    with pytest.raises(Conflict, match=r"is used by a servable"):
        catalog.delete_model(catalog.get_model_by_name("claims-model").id)


def test_model_monitoring_another_is_not_deleted(catalog: Catalog, payload: Path) -> None:
    monitor = released(catalog, payload, "outliers")
    target = released(catalog, payload)
    spec = catalog.create_metric_spec("outlier", target, monitor, 0.9, "Less")
    with pytest.raises(Conflict, match=r"outliers:1 is used by"):
        catalog.delete_model(catalog.get_model_by_name("outliers").id)
    catalog.delete_metric_spec(spec.id)
    catalog.delete_model(catalog.get_model_by_name("outliers").id)
    assert [m.name for m in catalog.list_models()] == ["claims-model"]


def test_free_model_is_deleted_with_versions_specs_and_artifacts(
    catalog: Catalog, store: LocalArtifactStore, payload: Path
) -> None:
    version = released(catalog, payload)
    own_monitor = released(catalog, payload)
    catalog.create_metric_spec("self-check", version, own_monitor)
    catalog.add_training_data(version, "file:///data/train.csv")
    assert store.exists("models/claims-model/1/model.json")
    deleted = catalog.delete_model(catalog.get_model_by_name("claims-model").id)
    assert deleted.name == "claims-model"
    assert catalog.list_models() == [] and catalog.list_metric_specs() == []
    assert catalog.list_servables() == []
    assert store.list("models/claims-model") == []
    with pytest.raises(NotFound, match=r"model version claims-model:1 not found"):
        catalog.find_version("claims-model", 1)


def test_servable_used_by_an_application_is_not_deleted(catalog: Catalog, payload: Path) -> None:
    released(catalog, payload)
    catalog.create_application(application("claims", [[{"model": "claims-model:1"}]]))
    catalog.create_servable("claims-model", 1)
    with pytest.raises(Conflict, match=r"servable claims-model-1 is used by application"):
        catalog.delete_servable("claims-model-1")
    catalog.delete_application("claims")
    assert catalog.delete_servable("claims-model-1").name == "claims-model-1"
    with pytest.raises(NotFound, match=r"servable claims-model-1 not found"):
        catalog.get_servable("claims-model-1")


def test_deployment_configuration_in_use_is_not_deleted(catalog: Catalog, payload: Path) -> None:
    released(catalog, payload)
    catalog.create_deployment_configuration(config("big"))
    catalog.create_deployment_configuration(config("small"))
    catalog.create_application(application("claims", [[{"model": "claims-model:1", "deployment-config": "big"}]]))
    catalog.create_servable("claims-model", 1, "small")
    with pytest.raises(Conflict, match=r"deployment configuration big is used by application"):
        catalog.delete_deployment_configuration("big")
    with pytest.raises(Conflict, match=r"deployment configuration small is used by servable claims-model-1-small"):
        catalog.delete_deployment_configuration("small")
    catalog.delete_servable("claims-model-1-small")
    assert catalog.delete_deployment_configuration("small").name == "small"
    assert [c.name for c in catalog.list_deployment_configurations()] == ["big"]


def test_deleting_missing_objects_is_not_found(catalog: Catalog) -> None:
    with pytest.raises(NotFound, match=r"^model 7 not found$"):
        catalog.delete_model(7)
    with pytest.raises(NotFound, match=r"^application a not found$"):
        catalog.delete_application("a")
    with pytest.raises(NotFound, match=r"^deployment configuration c not found$"):
        catalog.delete_deployment_configuration("c")
    with pytest.raises(NotFound, match=r"^metric spec x not found$"):
        catalog.delete_metric_spec("x")
    with pytest.raises(NotFound, match=r"^servable s not found$"):
        catalog.delete_servable("s")
