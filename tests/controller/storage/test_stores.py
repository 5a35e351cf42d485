from __future__ import annotations

import json
from pathlib import Path

import pytest

from controller.errors import BadRequest, NotFound
from controller.settings import ControllerSettings
from controller.storage import ArtifactStore, LocalArtifactStore, S3ArtifactStore, store_from_settings


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_store_satisfies_the_protocol(store: ArtifactStore) -> None:
    assert isinstance(store, ArtifactStore)


def test_bytes_and_files_round_trip(store: ArtifactStore, tmp_path: Path) -> None:
    source = tmp_path / "weights.bin"
    source.write_bytes(bytes(range(256)) * 100)
    store.put_file("models/m/1/files/weights.bin", source)
    store.put_bytes("models/m/1/model.json", b'{"name": "m"}')
    assert store.read("models/m/1/files/weights.bin") == source.read_bytes()
    with store.open("models/m/1/model.json") as handle:
        assert handle.read() == b'{"name": "m"}'
    assert store.exists("models/m/1/model.json") and not store.exists("models/m/1/nothing")


def test_put_bytes_replaces(store: ArtifactStore) -> None:
    store.put_bytes("a/b", b"one")
    store.put_bytes("a/b", b"two")
    assert store.read("a/b") == b"two"


def test_folder_round_trip_keeps_relative_paths(store: ArtifactStore, tmp_path: Path) -> None:
    folder = tmp_path / "payload"
    (folder / "src" / "deep").mkdir(parents=True)
    (folder / "src" / "deep" / "model.pkl").write_bytes(b"\x00pickle")
    (folder / "requirements.txt").write_text("numpy\n")
    assert store.put_folder("models/m/1/files", folder) == 2
    assert store.list("models/m/1") == ["models/m/1/files/requirements.txt", "models/m/1/files/src/deep/model.pkl"]
    target = tmp_path / "copy"
    assert store.get_to_folder("models/m/1/files", target) == 2
    assert _tree(target) == _tree(folder)


def test_delete_prefix_removes_only_that_folder(store: ArtifactStore) -> None:
    for key in ("models/m/1/a", "models/m/1/b/c", "models/m/10/a", "models/n/1/a"):
        store.put_bytes(key, b"x")
    assert store.delete_prefix("models/m/1") == 2
    assert store.list("models") == ["models/m/10/a", "models/n/1/a"]
    assert store.delete_prefix("models/nothing") == 0


def test_missing_objects_are_not_found(store: ArtifactStore, tmp_path: Path) -> None:
    store.put_bytes("present/x", b"x")  # makes sure the S3 bucket exists: the key is what's missing
    with pytest.raises(NotFound, match=r"artifact models/m/1/model.json not found"):
        store.read("models/m/1/model.json")
    with pytest.raises(NotFound, match=r"artifact models/m/9 not found"):
        store.get_to_folder("models/m/9", tmp_path / "out")


@pytest.mark.parametrize("key", ["/etc/passwd", "../outside", "models/../../x", "a//b", "a/./b", "", "a\\b"])
def test_unsafe_keys_are_refused(store: ArtifactStore, key: str) -> None:
    with pytest.raises(BadRequest, match=r"artifact key"):
        store.put_bytes(key, b"x")
    with pytest.raises(BadRequest, match=r"artifact key"):
        store.uri_for(key)


def test_uris_name_the_folder(store: ArtifactStore) -> None:
    uri = store.uri_for("models/m/1")
    if isinstance(store, LocalArtifactStore):
        assert uri == (store.root / "models" / "m" / "1").as_uri() and uri.startswith("file:///")
    else:
        assert isinstance(store, S3ArtifactStore)
        assert uri == f"s3://{store.bucket}/models/m/1"


def test_local_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    store = LocalArtifactStore(tmp_path)
    store.put_bytes("a/b.txt", b"x")
    with pytest.raises(ZeroDivisionError):
        store._write("a/c.txt", lambda out: 1 / 0)
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["b.txt"]


def test_settings_choose_the_store(tmp_path: Path, s3_endpoint: str) -> None:
    local = store_from_settings(ControllerSettings.from_env({"HYDRO_HOME": str(tmp_path)}))
    assert isinstance(local, LocalArtifactStore) and local.root == tmp_path / "artifacts"
    remote = store_from_settings(ControllerSettings.from_env({
        "HYDRO_HOME": str(tmp_path), "HYDRO_S3_ENDPOINT": f"http://{s3_endpoint}", "HYDRO_S3_BUCKET": "from-env",
        "HYDRO_S3_ACCESS_KEY": "k", "HYDRO_S3_SECRET_KEY": "s", "HYDRO_S3_REGION": "us-east-1",
    }))
    assert isinstance(remote, S3ArtifactStore) and remote.bucket == "from-env"
    remote.put_bytes("x/y", b"z")
    assert remote.read("x/y") == b"z"


def test_catalog_writes_the_runtime_layout(store: ArtifactStore, tmp_path: Path) -> None:
    """`models/<name>/<version>/model.json` + `files/`, at the version's artifact_uri, in both stores."""
    from controller.catalog import Catalog, Database, upgrade
    from tests.controller.catalog.conftest import model

    database = Database(f"sqlite:///{tmp_path / 'catalog.db'}")
    upgrade(database)
    payload = tmp_path / "payload"
    payload.mkdir()
    (payload / "func_main.py").write_text("def predict(x): return x\n")
    version = Catalog(database, store).create_model_version(model("layout"), payload)
    database.dispose()
    assert version.artifact_uri == store.uri_for("models/layout/1")
    assert store.list("models/layout/1") == ["models/layout/1/files/func_main.py", "models/layout/1/model.json"]
    manifest = json.loads(store.read("models/layout/1/model.json"))
    assert (manifest["name"], manifest["version"], manifest["contract"]["name"]) == ("layout", 1, "predict")
