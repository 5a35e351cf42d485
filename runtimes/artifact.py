"""The model folder a runtime serves, and how it is read.

Format written by the controller:

    <folder>/model.json   {"name": str, "version": int, "runtime": str,
                           "contract": <protos.contract.Contract.to_dict()>,
                           "metadata": {str: str} (optional)}
    <folder>/files/       the uploaded payload (Hydrosphere's /model/files): the model's
                          working directory and everything its runtime reads

For local development a plain Hydrosphere model folder works too:

    <folder>/serving.yaml  a `kind: Model` document with `name`, `runtime` and `contract`
                           and optional `metadata` (other keys such as install-command or
                           training-data are ignored);
                           the payload is the folder itself and the version is None

An archive or download may wrap the folder in one top-level directory; `locate_model_folder`
looks through it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from protos.contract import Contract
from protos.errors import ContractError
from runtimes.errors import ArtifactError

MODEL_JSON = "model.json"
SERVING_YAML = "serving.yaml"
PAYLOAD_DIR = "files"


@dataclass(frozen=True)
class ModelArtifact:
    """A model version ready to load: who it is, which runtime serves it, its contract and payload."""

    name: str
    version: int | None
    runtime: str
    contract: Contract
    payload: Path
    metadata: Mapping[str, str] = field(default_factory=dict)
    """The model's string map; the runtime reads its `hydro.*` keys (`runtimes.batching`)."""

    @classmethod
    def from_folder(cls, folder: Path) -> ModelArtifact:
        """Read `model.json` (preferred) or `serving.yaml`; `ArtifactError` names the problem."""
        root = locate_model_folder(folder)
        if (root / MODEL_JSON).is_file():
            return cls._from_model_json(root)
        return cls._from_serving_yaml(root)

    @classmethod
    def _from_model_json(cls, root: Path) -> ModelArtifact:
        source = root / MODEL_JSON
        try:
            spec = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ArtifactError(f"{source}: not readable JSON: {exc}") from exc
        if not isinstance(spec, Mapping):
            raise ArtifactError(f"{source}: must be a JSON object, got {type(spec).__name__}")
        payload = root / PAYLOAD_DIR
        if not payload.is_dir():
            raise ArtifactError(f"{root}: the payload folder {PAYLOAD_DIR}/ is missing")
        version = spec.get("version")
        if type(version) is not int:
            raise ArtifactError(f"{source}: version must be an integer, got {version!r}")
        return cls(_text(spec, "name", source), version, _text(spec, "runtime", source),
                   _contract(spec, source), payload, _metadata(spec, source))

    @classmethod
    def _from_serving_yaml(cls, root: Path) -> ModelArtifact:
        source = root / SERVING_YAML
        if not source.is_file():
            raise ArtifactError(f"{root}: no {MODEL_JSON} or {SERVING_YAML}; this is not a model folder")
        try:
            documents = list(yaml.safe_load_all(source.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ArtifactError(f"{source}: not readable YAML: {exc}") from exc
        spec = next((d for d in documents if isinstance(d, Mapping) and d.get("kind") == "Model"), None)
        if spec is None:
            raise ArtifactError(f"{source}: no document with kind: Model")
        return cls(_text(spec, "name", source), None, _text(spec, "runtime", source),
                   _contract(spec, source), root, _metadata(spec, source))


def locate_model_folder(folder: Path) -> Path:
    """`folder` itself when it holds model.json or serving.yaml, or its only subfolder that does."""
    if not folder.is_dir():
        raise ArtifactError(f"{folder}: the model folder does not exist")
    if (folder / MODEL_JSON).is_file() or (folder / SERVING_YAML).is_file():
        return folder
    entries = [entry for entry in folder.iterdir() if not entry.name.startswith(".")]
    if len(entries) == 1 and entries[0].is_dir():
        inner = entries[0]
        if (inner / MODEL_JSON).is_file() or (inner / SERVING_YAML).is_file():
            return inner
    raise ArtifactError(f"{folder}: no {MODEL_JSON} or {SERVING_YAML}; this is not a model folder")


def _text(spec: Mapping[str, Any], key: str, source: Path) -> str:
    value = spec.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ArtifactError(f"{source}: {key} must be a non-empty string, got {value!r}")
    return value.strip()


def _contract(spec: Mapping[str, Any], source: Path) -> Contract:
    if "contract" not in spec:
        raise ArtifactError(f"{source}: contract is required")
    try:
        return Contract.from_dict(spec["contract"])
    except ContractError as exc:
        raise ArtifactError(f"{source}: {exc}") from exc


def _metadata(spec: Mapping[str, Any], source: Path) -> dict[str, str]:
    value = spec.get("metadata") or {}
    if not isinstance(value, Mapping):
        raise ArtifactError(f"{source}: metadata must be a map of strings, got {value!r}")
    # YAML reads `true` and `1` as non-strings; they mean the same as their text.
    return {str(key): str(item).lower() if isinstance(item, bool) else str(item) for key, item in value.items()}
