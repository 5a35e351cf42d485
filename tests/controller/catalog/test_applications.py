from __future__ import annotations

from pathlib import Path

import pytest

from controller.catalog import ApplicationStatus, Catalog
from controller.errors import BadRequest, Conflict, NotFound
from tests.controller.catalog.conftest import application, config, model, released


def test_application_resolves_references_and_servables(catalog: Catalog, payload: Path) -> None:
    first, second = released(catalog, payload), released(catalog, payload)
    catalog.create_deployment_configuration(config("big"))
    app = catalog.create_application(application("claims", [
        [{"model": "claims-model:1", "weight": 80, "deployment-config": "big"},
         {"model": "claims-model:2", "weight": 20}],
    ], metadata={"owner": "risk"}))
    [stage] = app.stages
    assert [(v.model_version_id, v.weight, v.deployment_configuration, v.servable_name) for v in stage.variants] == [
        (first, 80, "big", "claims-model-1-big"), (second, 20, None, "claims-model-2")]
    assert app.status == ApplicationStatus.ASSEMBLING and app.metadata == {"owner": "risk"}
    assert {s.name: s.used_by for s in catalog.list_servables()} == {
        "claims-model-1-big": ("claims",), "claims-model-2": ("claims",)}
    assert catalog.get_application("claims") == app


def test_missing_model_version_is_named(catalog: Catalog, payload: Path) -> None:
    released(catalog, payload)
    with pytest.raises(NotFound, match=r"^model version claims-model:9 not found$") as caught:
        catalog.create_application(application("claims", [[{"model": "claims-model:1"}],
                                                           [{"model": "claims-model:9"}]]))
    assert caught.value.field == "pipeline[1][0].model"
    assert catalog.list_applications() == [] and catalog.list_servables() == []


def test_missing_deployment_configuration_is_named(catalog: Catalog, payload: Path) -> None:
    released(catalog, payload)
    with pytest.raises(NotFound, match=r"deployment configuration huge not found"):
        catalog.create_application(application("claims", [[{"model": "claims-model:1", "deployment-config": "huge"}]]))


def test_failed_and_external_versions_cannot_be_deployed(catalog: Catalog, payload: Path) -> None:
    failed = catalog.create_model_version(model(), payload)
    catalog.finish_build(failed.id, succeeded=False, message="broken")
    catalog.register_external_model(model("outside"))
    with pytest.raises(BadRequest, match=r"claims-model:1 failed to build"):
        catalog.create_application(application("a", [[{"model": "claims-model:1"}]]))
    with pytest.raises(BadRequest, match=r"outside:1 is an external model"):
        catalog.create_application(application("b", [[{"model": "outside:1"}]]))


def test_duplicate_name_is_a_conflict(catalog: Catalog, payload: Path) -> None:
    released(catalog, payload)
    catalog.create_application(application("claims", [[{"model": "claims-model:1"}]]))
    with pytest.raises(Conflict, match=r"application claims already exists"):
        catalog.create_application(application("claims", [[{"model": "claims-model:1"}]]))


def test_update_replaces_stages_and_prunes_unused_servables(catalog: Catalog, payload: Path) -> None:
    released(catalog, payload)
    released(catalog, payload)
    catalog.create_application(application("claims", [[{"model": "claims-model:1"}]]))
    updated = catalog.update_application(application("claims", [[{"model": "claims-model:2"}],
                                                                 [{"model": "claims-model:2"}]]))
    assert [[v.model_version for v in s.variants] for s in updated.stages] == [[2], [2]]
    assert [s.name for s in catalog.list_servables()] == ["claims-model-2"]
    with pytest.raises(NotFound, match=r"application other not found"):
        catalog.update_application(application("other", [[{"model": "claims-model:1"}]]))


def test_apply_creates_then_updates(catalog: Catalog, payload: Path) -> None:
    released(catalog, payload)
    created = catalog.apply_application(application("claims", [[{"model": "claims-model:1"}]]))
    again = catalog.apply_application(application("claims", [[{"model": "claims-model:1"}]], metadata={"a": "b"}))
    assert created.id == again.id and again.metadata == {"a": "b"}


def test_delete_removes_only_servables_it_alone_needed(catalog: Catalog, payload: Path) -> None:
    released(catalog, payload)
    released(catalog, payload)
    catalog.create_application(application("one", [[{"model": "claims-model:1"}]]))
    catalog.create_application(application("two", [[{"model": "claims-model:1"}], [{"model": "claims-model:2"}]]))
    catalog.create_servable("claims-model", 2)
    catalog.delete_application("two")
    assert {s.name: (s.used_by, s.standalone) for s in catalog.list_servables()} == {
        "claims-model-1": (("one",), False), "claims-model-2": ((), True)}
    with pytest.raises(NotFound, match=r"application two not found"):
        catalog.get_application("two")


def test_status_reports(catalog: Catalog, payload: Path) -> None:
    released(catalog, payload)
    catalog.create_application(application("claims", [[{"model": "claims-model:1"}]]))
    ready = catalog.report_application_status("claims", "Ready", "all servables serving")
    assert (ready.status, ready.status_message) == (ApplicationStatus.READY, "all servables serving")
    with pytest.raises(BadRequest, match=r"'Bogus' is not one of Assembling, Ready, Failed"):
        catalog.report_application_status("claims", "Bogus")
