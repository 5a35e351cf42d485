"""Contract and metadata size limits through the real API: 400 naming the field and the limit,
and nothing stored (no version in the catalog, nothing left in the uploads folder)."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask.testing import FlaskClient

from controller.api.app import create_app, open_catalog
from controller.catalog import Catalog
from controller.settings import ControllerSettings, UploadLimits
from tests.controller.api.support import FUNC_MAIN, assert_error, make_settings, metadata, tarball

LIMITS = UploadLimits(max_contract_fields=6, max_contract_depth=3, max_shape_dims=4, max_contract_elements=1000,
                      max_metadata_entries=3, max_metadata_key_length=10, max_metadata_value_length=20,
                      max_metadata_bytes=50)


def _field(name: str, dims: list[int] | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": name, "profile": "NUMERICAL", "shape": {"dims": dims or []}, "dtype": "DT_DOUBLE", **extra}


def _nested(depth: int) -> dict[str, Any]:
    """A map field `depth` levels deep (hydrosdk's `subfields` keyed by name), a double at the bottom."""
    field: dict[str, Any] = _field("leaf")
    for level in range(depth - 1):
        field = {"name": f"m{level}", "profile": "NONE", "shape": {"dims": []}, "subfields": {field["name"]: field}}
    return field


def _signature(*inputs: dict[str, Any]) -> dict[str, Any]:
    return {"signatureName": "predict", "inputs": list(inputs), "outputs": [_field("y")]}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ControllerSettings, Catalog]]:
    settings = make_settings(tmp_path_factory.mktemp("limits") / "home")
    settings = replace(settings, uploads=replace(LIMITS, max_upload_bytes=settings.uploads.max_upload_bytes,
                                                 max_files=settings.uploads.max_files,
                                                 max_unpacked_bytes=settings.uploads.max_unpacked_bytes))
    opened = open_catalog(settings)
    yield settings, opened
    opened.database.dispose()


@pytest.fixture(scope="module")
def client(catalog: tuple[ControllerSettings, Catalog]) -> FlaskClient:
    return create_app(catalog[0], catalog[1], poll_seconds=0.05).test_client()


def _upload(client: FlaskClient, meta: dict[str, Any]) -> Any:
    form = {"payload": (io.BytesIO(tarball({"src/func_main.py": FUNC_MAIN})), "payload.tar.gz"),
            "metadata": json.dumps(meta)}
    return client.post("/api/v2/model/upload", data=form, content_type="multipart/form-data")


def _assert_nothing_stored(catalog: tuple[ControllerSettings, Catalog], name: str) -> None:
    settings, opened = catalog
    assert [v for v in opened.list_versions(None) if v.model_name == name] == []
    uploads = settings.home / "uploads"
    assert not uploads.exists() or os.listdir(uploads) == []
    assert not (settings.artifacts_dir / "models" / name).exists()


def test_within_every_limit_the_upload_is_accepted(client: FlaskClient) -> None:
    meta = metadata("fits", modelSignature=_signature(_field("x", [-1, 10, 10]), _nested(3)),
                    metadata={"team": "tests", "owner": "ml"})
    response = _upload(client, meta)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["metadata"] == {"team": "tests", "owner": "ml"}


@pytest.mark.parametrize(("signature", "field", "variable"), [
    (_signature(*[_field(f"x{i}") for i in range(6)]), "metadata.modelSignature.outputs.y",
     "HYDRO_MAX_CONTRACT_FIELDS"),
    (_signature(_nested(4)), "metadata.modelSignature.inputs.m2.m1.m0.leaf", "HYDRO_MAX_CONTRACT_DEPTH"),
    (_signature(_field("x", [2, 2, 2, 2, 2])), "metadata.modelSignature.inputs.x.shape", "HYDRO_MAX_SHAPE_DIMS"),
    (_signature(_field("a", [-1, 10, 50]), _field("b", [500, 2])), "metadata.modelSignature.inputs.b.shape",
     "HYDRO_MAX_CONTRACT_ELEMENTS"),
    (_signature(_field("huge", [10**9, 10**9])), "metadata.modelSignature.inputs.huge.shape",
     "HYDRO_MAX_CONTRACT_ELEMENTS"),
], ids=["fields", "depth", "dims", "elements", "huge-shape"])
def test_contract_over_a_limit_is_refused(client: FlaskClient, catalog: tuple[ControllerSettings, Catalog],
                                          signature: dict[str, Any], field: str, variable: str) -> None:
    assert_error(_upload(client, metadata("big", modelSignature=signature)), 400, field, variable)
    _assert_nothing_stored(catalog, "big")


def test_elements_of_a_map_field_multiply_by_its_shape(client: FlaskClient) -> None:
    rows = {"name": "rows", "profile": "NONE", "shape": {"dims": [100]}, "subfields": {"v": _field("v", [20])}}
    body = assert_error(_upload(client, metadata("maps", modelSignature=_signature(rows))), 400,
                        "metadata.modelSignature.inputs.rows.v.shape", "HYDRO_MAX_CONTRACT_ELEMENTS")
    assert "1000" in body["message"]


def test_yaml_shaped_contract_is_limited_too(client: FlaskClient,
                                             catalog: tuple[ControllerSettings, Catalog]) -> None:
    contract = {"inputs": {"x": {"shape": [100, 100], "type": "double"}},
                "outputs": {"y": {"shape": "scalar", "type": "double"}}}
    meta = metadata("yaml-contract", modelSignature=None, contract=contract)
    assert_error(_upload(client, meta), 400, "metadata.contract.inputs.x.shape", "HYDRO_MAX_CONTRACT_ELEMENTS")
    _assert_nothing_stored(catalog, "yaml-contract")


@pytest.mark.parametrize(("meta", "field", "variable"), [
    ({"a": "1", "b": "2", "c": "3", "d": "4"}, "metadata.metadata", "HYDRO_MAX_METADATA_ENTRIES"),
    ({"k" * 11: "v"}, "metadata.metadata.kkkkkkkkkkk...", "HYDRO_MAX_METADATA_KEY_LENGTH"),
    ({"team": "v" * 21}, "metadata.metadata.team", "HYDRO_MAX_METADATA_VALUE_LENGTH"),
    ({"a": "é" * 15, "b": "é" * 15}, "metadata.metadata", "HYDRO_MAX_METADATA_BYTES"),
], ids=["entries", "key", "value", "bytes"])
def test_metadata_over_a_limit_is_refused(client: FlaskClient, catalog: tuple[ControllerSettings, Catalog],
                                          meta: dict[str, str], field: str, variable: str) -> None:
    assert_error(_upload(client, metadata("meta", metadata=meta)), 400, field, variable)
    _assert_nothing_stored(catalog, "meta")


def test_deeply_nested_metadata_part_is_a_400_not_a_crash(client: FlaskClient,
                                                        catalog: tuple[ControllerSettings, Catalog]) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    form = {"payload": (io.BytesIO(tarball({"a": "b"})), "payload.tar.gz"),
            "metadata": '{"name": "deep", "signature": ' + deep + "}"}
    response = client.post("/api/v2/model/upload", data=form, content_type="multipart/form-data")
    assert_error(response, 400, "metadata", "nested")
    _assert_nothing_stored(catalog, "deep")


def test_nesting_the_parser_would_choke_on_is_refused_before_parsing(client: FlaskClient) -> None:
    field = _nested(300)  # 900 JSON levels: parses as JSON, would exhaust the contract parser's recursion
    response = _upload(client, metadata("deep", modelSignature=_signature(field)))
    assert_error(response, 400, "metadata", "HYDRO_MAX_CONTRACT_DEPTH")


def test_external_models_are_limited_too(client: FlaskClient, catalog: tuple[ControllerSettings, Catalog]) -> None:
    body = {"name": "ext", "signature": _signature(_field("x", [10**6])), "metadata": {}}
    assert_error(client.post("/api/v2/externalmodel", json=body), 400, "signature.inputs.x.shape",
                 "HYDRO_MAX_CONTRACT_ELEMENTS")
    body = {"name": "ext", "signature": _signature(_field("x")), "metadata": {"a": "1", "b": "2", "c": "3", "d": "4"}}
    assert_error(client.post("/api/v2/externalmodel", json=body), 400, "metadata", "HYDRO_MAX_METADATA_ENTRIES")
    _assert_nothing_stored(catalog, "ext")


def test_limits_are_read_from_the_environment() -> None:
    environ = {"HYDRO_MAX_CONTRACT_FIELDS": "7", "HYDRO_MAX_CONTRACT_DEPTH": "2", "HYDRO_MAX_SHAPE_DIMS": "3",
               "HYDRO_MAX_CONTRACT_ELEMENTS": "99", "HYDRO_MAX_METADATA_ENTRIES": "5",
               "HYDRO_MAX_METADATA_KEY_LENGTH": "6", "HYDRO_MAX_METADATA_VALUE_LENGTH": "8",
               "HYDRO_MAX_METADATA_BYTES": "9", "HYDRO_MAX_UPLOAD_FILES": "4"}
    limits = ControllerSettings.from_env(environ).uploads
    assert (limits.max_contract_fields, limits.max_contract_depth, limits.max_shape_dims,
            limits.max_contract_elements) == (7, 2, 3, 99)
    assert (limits.max_metadata_entries, limits.max_metadata_key_length, limits.max_metadata_value_length,
            limits.max_metadata_bytes, limits.max_files) == (5, 6, 8, 9, 4)
    assert ControllerSettings.from_env({}).uploads == UploadLimits()
