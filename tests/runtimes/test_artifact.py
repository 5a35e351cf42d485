from __future__ import annotations

import json
from pathlib import Path

import pytest

from protos.contract import Contract
from runtimes.artifact import ModelArtifact, locate_model_folder
from runtimes.errors import ArtifactError
from tests.runtimes.conftest import IRIS_BATCH_CONTRACT, write_model_folder, write_serving_yaml_folder


def test_model_json_folder(tmp_path: Path) -> None:
    folder = write_model_folder(tmp_path / "m", "hydro/runtime-sklearn", IRIS_BATCH_CONTRACT, {"a.txt": "x"},
                                name="iris", version=3)
    artifact = ModelArtifact.from_folder(folder)
    assert (artifact.name, artifact.version, artifact.runtime) == ("iris", 3, "hydro/runtime-sklearn")
    assert artifact.contract == Contract.from_dict(IRIS_BATCH_CONTRACT)
    assert artifact.payload == folder / "files"


def test_serving_yaml_folder_is_its_own_payload(tmp_path: Path) -> None:
    folder = write_serving_yaml_folder(tmp_path / "m", "hydrosphere/serving-runtime-python-3.7:3.0.3",
                                       IRIS_BATCH_CONTRACT, {"src/func_main.py": "def predict(): pass\n"})
    artifact = ModelArtifact.from_folder(folder)
    assert (artifact.name, artifact.version) == ("iris", None)
    assert artifact.runtime == "hydrosphere/serving-runtime-python-3.7:3.0.3"
    assert artifact.payload == folder


def test_single_wrapping_directory_is_looked_through(tmp_path: Path) -> None:
    inner = write_model_folder(tmp_path / "outer" / "iris", "sklearn", IRIS_BATCH_CONTRACT, {})
    assert locate_model_folder(tmp_path / "outer") == inner


def test_not_a_model_folder(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("hello")
    with pytest.raises(ArtifactError, match=r"no model\.json or serving\.yaml"):
        ModelArtifact.from_folder(tmp_path)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"version": "one"}, "version must be an integer"),
        ({"runtime": ""}, "runtime must be a non-empty string"),
        ({"contract": {"inputs": {"x": {"shape": "scalar", "type": "nope"}}, "outputs": {}}},
         "contract.inputs.x.type: unknown type 'nope'"),
    ],
)
def test_bad_model_json_names_the_problem(tmp_path: Path, change: dict, problem: str) -> None:
    folder = write_model_folder(tmp_path, "sklearn", IRIS_BATCH_CONTRACT, {})
    spec = json.loads((folder / "model.json").read_text()) | change
    (folder / "model.json").write_text(json.dumps(spec))
    with pytest.raises(ArtifactError, match=problem):
        ModelArtifact.from_folder(folder)


def test_model_json_without_payload(tmp_path: Path) -> None:
    folder = write_model_folder(tmp_path, "sklearn", IRIS_BATCH_CONTRACT, {})
    (folder / "files").rmdir()
    with pytest.raises(ArtifactError, match="files/ is missing"):
        ModelArtifact.from_folder(folder)


def test_serving_yaml_without_model_document(tmp_path: Path) -> None:
    (tmp_path / "serving.yaml").write_text("kind: Application\nname: app\n")
    with pytest.raises(ArtifactError, match="no document with kind: Model"):
        ModelArtifact.from_folder(tmp_path)
