from __future__ import annotations

import json
from pathlib import Path

import pytest

from controller.catalog import Catalog, VersionKind, VersionStatus
from controller.errors import Conflict, NotFound
from controller.storage import LocalArtifactStore
from protos.contract import Contract
from tests.controller.catalog.conftest import CONTRACT, model


def test_versions_number_from_one_per_model_name(catalog: Catalog, payload: Path) -> None:
    first = catalog.create_model_version(model("a"), payload)
    second = catalog.create_model_version(model("a"), payload)
    other = catalog.create_model_version(model("b"), payload)
    assert [first.ref, second.ref, other.ref] == ["a:1", "a:2", "b:1"]
    assert first.model_id == second.model_id != other.model_id
    assert [v.version for v in catalog.list_versions("a")] == [1, 2]


def test_new_version_is_assembling_with_its_definition(catalog: Catalog, payload: Path) -> None:
    version = catalog.create_model_version(
        model(metadata={"team": "risk"}, **{"install-command": "pip install -r requirements.txt"}), payload)
    assert version.status == VersionStatus.ASSEMBLING
    assert version.contract == Contract.from_dict(CONTRACT)
    assert version.install_command == "pip install -r requirements.txt"
    assert version.metadata == {"team": "risk"}
    assert version.kind == VersionKind.MODEL and not version.is_external
    assert version.finished_at is None and version.created_at.tzinfo is not None


def test_artifact_layout_is_model_json_and_files(
    catalog: Catalog, store: LocalArtifactStore, payload: Path
) -> None:
    version = catalog.create_model_version(model(metadata={"hydro.batching": "true"}), payload)
    folder = store.path_for("models/claims-model/1")
    assert version.artifact_uri == folder.as_uri()
    manifest = json.loads((folder / "model.json").read_text())
    # The runtime reads its metadata here (the batching opt-in, for one).
    assert manifest == {"name": "claims-model", "version": 1,
                        "runtime": "hydrosphere/serving-runtime-python-3.7:3.0.0",
                        "contract": Contract.from_dict(CONTRACT).to_dict(),
                        "metadata": {"hydro.batching": "true"}}
    assert (folder / "files" / "src" / "func_main.py").read_text().startswith("def predict")
    assert (folder / "files" / "requirements.txt").is_file()


def test_finish_build_releases_or_fails_once(catalog: Catalog, payload: Path) -> None:
    good = catalog.create_model_version(model(), payload)
    bad = catalog.create_model_version(model(), payload)
    released = catalog.finish_build(good.id, succeeded=True, message="ok", python_path="/env/bin/python")
    failed = catalog.finish_build(bad.id, succeeded=False, message="install-command exited with 1")
    assert (released.status, released.python_path) == (VersionStatus.RELEASED, "/env/bin/python")
    assert (failed.status, failed.status_message) == (VersionStatus.FAILED, "install-command exited with 1")
    assert released.finished_at is not None
    with pytest.raises(Conflict, match=r"claims-model:1 is Released"):
        catalog.finish_build(good.id, succeeded=False)


def test_build_log_accumulates_chunks(catalog: Catalog, payload: Path) -> None:
    version = catalog.create_model_version(model(), payload)
    for line in ("collecting\n", "installed\n"):
        catalog.append_build_log(version.id, line)
    assert catalog.build_log(version.id) == "collecting\ninstalled\n"


def test_missing_objects_are_named(catalog: Catalog, payload: Path) -> None:
    catalog.create_model_version(model(), payload)
    with pytest.raises(NotFound, match=r"^model version claims-model:3 not found$"):
        catalog.find_version("claims-model", 3)
    with pytest.raises(NotFound, match=r"^model version 999 not found$"):
        catalog.get_version(999)
    with pytest.raises(NotFound, match=r"^model nope not found$"):
        catalog.list_versions("nope")
    with pytest.raises(NotFound, match=r"^model 999 not found$"):
        catalog.get_model(999)
    with pytest.raises(NotFound, match=r"^model version 999 not found$"):
        catalog.append_build_log(999, "x")


def test_external_model_is_released_without_artifact(catalog: Catalog) -> None:
    version = catalog.register_external_model(model("external"))
    assert version.is_external and version.status == VersionStatus.RELEASED
    assert version.artifact_uri is None
    assert catalog.find_version("external", 1).id == version.id


def test_models_are_listed_and_found_by_name(catalog: Catalog, payload: Path) -> None:
    for name in ("zeta", "alpha", "zeta"):
        catalog.create_model_version(model(name), payload)
    assert [m.name for m in catalog.list_models()] == ["alpha", "zeta"]
    assert catalog.get_model_by_name("zeta").id == catalog.find_version("zeta", 2).model_id


def test_list_versions_filters_by_status(catalog: Catalog, payload: Path) -> None:
    first = catalog.create_model_version(model(), payload)
    catalog.create_model_version(model(), payload)
    catalog.finish_build(first.id, succeeded=True)
    assert [v.version for v in catalog.list_versions(status=VersionStatus.ASSEMBLING)] == [2]


def test_monitoring_section_creates_metric_specs(catalog: Catalog, payload: Path) -> None:
    monitor = catalog.create_model_version(model("outliers"), payload, kind=VersionKind.METRIC)
    monitoring = [{"name": "outlier", "config": {"monitoring-model": "outliers:1", "threshold": 0.5,
                                                  "operator": ">="}}]
    version = catalog.create_model_version(model(monitoring=monitoring), payload)
    [spec] = catalog.list_metric_specs(version.id)
    assert (spec.name, spec.monitor_model_version_id, spec.threshold, spec.operator) == (
        "outlier", monitor.id, 0.5, "GreaterEq")


def test_monitoring_with_missing_model_creates_nothing(catalog: Catalog, payload: Path) -> None:
    monitoring = [{"name": "outlier", "config": {"monitoring-model": "ghost:4"}}]
    with pytest.raises(NotFound, match=r"model version ghost:4 not found") as caught:
        catalog.create_model_version(model(monitoring=monitoring), payload)
    assert caught.value.field == "monitoring[0].config.monitoring-model"
    assert catalog.list_models() == []
