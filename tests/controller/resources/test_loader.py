from __future__ import annotations

from pathlib import Path

import pytest

from controller.errors import InvalidResource
from controller.resources import load_path, load_stream
from controller.resources.loader import in_apply_order

MULTI = """
kind: Application
name: claims
singular: {model: claims-model:1, deployment-config: small}
---
kind: Model
name: claims-model
runtime: hydro/runtime-sklearn
payload: [model.joblib]
contract:
  inputs: {x: {shape: [-1, 4], type: double, profile: numerical}}
  outputs: {y: {shape: [-1], type: int64, profile: categorical}}
---
kind: DeploymentConfiguration
name: small
hpa: {minReplicas: 0, maxReplicas: 2}
"""


def test_multi_document_file_in_apply_order(tmp_path: Path) -> None:
    file = tmp_path / "serving.yaml"
    file.write_text(MULTI)
    resources = load_path(file)
    assert [r.source for r in resources] == [f"{file}#1", f"{file}#2", f"{file}#3"]
    assert [r.kind for r in in_apply_order(resources)] == ["DeploymentConfiguration", "Model", "Application"]
    assert all(r.base_dir == tmp_path for r in resources)


def test_folder_reads_every_yaml_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("kind: DeploymentConfiguration\nname: a\n")
    (tmp_path / "b.yml").write_text("kind: DeploymentConfiguration\nname: b\n")
    (tmp_path / "notes.txt").write_text("kind: nothing")
    assert [r.definition.name for r in load_path(tmp_path)] == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: Modle\nname: x\n", "serving.yaml#1: kind: must be one of Model, Application"),
        ("- 1\n- 2\n", "serving.yaml#1: a resource document must be a mapping"),
        ("kind: Model\nname: [unclosed\n", "serving.yaml: not valid YAML"),
        ("---\nkind: DeploymentConfiguration\nname: ok\n---\nkind: DeploymentConfiguration\nname: Not Ok\n",
         "serving.yaml#2: name:"),
    ],
)
def test_errors_name_file_and_document(text: str, message: str) -> None:
    with pytest.raises(InvalidResource) as caught:
        load_stream(text, "serving.yaml", Path("."))
    assert str(caught.value).startswith(message)


def test_yaml_is_parsed_safely() -> None:
    with pytest.raises(InvalidResource, match="not valid YAML"):
        load_stream("kind: !!python/object/apply:os.system ['true']\n", "evil.yaml", Path("."))
