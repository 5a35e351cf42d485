"""Reads Hydrosphere resource YAML: one file, a folder of files, or a stream; many documents each."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from controller.errors import InvalidResource
from controller.resources.application import ApplicationDefinition
from controller.resources.deployment_configuration import DeploymentConfiguration
from controller.resources.model import ModelDefinition
from controller.resources.yaml_documents import load_documents

Definition = ModelDefinition | ApplicationDefinition | DeploymentConfiguration
KINDS: dict[str, Any] = {
    "Model": ModelDefinition,
    "Application": ApplicationDefinition,
    "DeploymentConfiguration": DeploymentConfiguration,
}
# Applying in this order lets one file define a model, its deployment configuration and the
# application using both, in any document order.
APPLY_ORDER = ("DeploymentConfiguration", "Model", "Application")


@dataclass(frozen=True)
class LoadedResource:
    """A parsed definition, where it came from (`file.yaml#2`), and the folder paths are relative to."""

    kind: str
    definition: Definition
    source: str
    base_dir: Path


def parse_document(document: Any, source: str, base_dir: Path) -> LoadedResource:
    if not isinstance(document, dict):
        raise InvalidResource("", f"a resource document must be a mapping, got {type(document).__name__}",
                              source=source)
    kind = document.get("kind")
    if kind not in KINDS:
        raise InvalidResource("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}", source=source)
    return LoadedResource(kind, KINDS[kind].from_dict(document, source=source), source, base_dir)


def load_stream(stream: TextIO | str, name: str, base_dir: Path) -> list[LoadedResource]:
    documents = load_documents(stream, name)
    return [parse_document(doc, f"{name}#{i + 1}", base_dir) for i, doc in enumerate(documents)]


def load_path(path: Path) -> list[LoadedResource]:
    """A YAML file, or every `*.yaml`/`*.yml` file in a folder (not recursive), in name order."""
    files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")) if path.is_dir() else [path]
    resources: list[LoadedResource] = []
    for file in files:
        with file.open(encoding="utf-8") as handle:
            resources.extend(load_stream(handle, str(file), file.parent))
    return resources


def in_apply_order(resources: list[LoadedResource]) -> Iterator[LoadedResource]:
    for kind in APPLY_ORDER:
        yield from (r for r in resources if r.kind == kind)
