"""Strict validation of manifests against Knative's own CRD schemas (openAPIV3Schema).

The CRD schemas accept unknown fields, so a typo would slip through; here every object schema
that lists `properties` (and does not say `x-kubernetes-preserve-unknown-fields`) is closed with
`additionalProperties: false`. The root's `apiVersion`/`kind`/`metadata` are allowed everywhere
(eventing schemas omit them) and `metadata` is checked against the ObjectMeta fields a client
may set. Where the CRD files live: `HYDRO_KNATIVE_CRDS`, else `<repo>/../shared/knative/crds`.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from controller.kube.violation import Violation

CRDS_ENV = "HYDRO_KNATIVE_CRDS"
PRESERVE = "x-kubernetes-preserve-unknown-fields"
_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
OBJECT_META = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
        "finalizers": {"type": "array", "items": {"type": "string"}},
        "ownerReferences": {"type": "array", "items": {"type": "object"}},
    },
}


def default_crd_dir(environ: Mapping[str, str]) -> Path:
    """`HYDRO_KNATIVE_CRDS` when set, else `shared/knative/crds` beside the repository."""
    if environ.get(CRDS_ENV):
        return Path(environ[CRDS_ENV])
    return Path(__file__).resolve().parents[2] / ".." / "shared" / "knative" / "crds"


def strict(schema: Any) -> Any:
    """A copy of `schema` where every closed-able object schema forbids unknown properties."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: strict(value) for key, value in schema.items()}
    if "properties" in out and not out.get(PRESERVE) and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


class SchemaValidator:
    """Validates manifests of the Knative kinds found in a folder of CRD files."""

    def __init__(self, crd_dir: Path) -> None:
        if not crd_dir.is_dir():
            raise FileNotFoundError(f"Knative CRD folder {crd_dir} does not exist (set {CRDS_ENV})")
        self.crd_dir = crd_dir
        self._validators: dict[tuple[str, str], jsonschema.protocols.Validator] = {}
        for path in sorted(crd_dir.glob("*.yaml")):
            self._load(path)

    def _load(self, path: Path) -> None:
        with path.open(encoding="utf-8") as handle:
            crd = yaml.safe_load(handle)
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            schema = strict(copy.deepcopy(version["schema"]["openAPIV3Schema"]))
            properties = schema.setdefault("properties", {})
            properties["apiVersion"] = {"type": "string", "enum": [f"{group}/{version['name']}"]}
            properties["kind"] = {"type": "string", "enum": [kind]}
            properties["metadata"] = OBJECT_META
            schema["additionalProperties"] = False
            schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
            self._validators[(f"{group}/{version['name']}", kind)] = jsonschema.Draft4Validator(schema)

    def knows(self, manifest: Mapping[str, Any]) -> bool:
        return (manifest.get("apiVersion"), manifest.get("kind")) in self._validators

    @property
    def kinds(self) -> set[tuple[str, str]]:
        return set(self._validators)

    def validate(self, manifest: dict[str, Any]) -> list[Violation]:
        """Every schema violation in `manifest`; an unknown apiVersion/kind is one too."""
        validator = self._validators.get((manifest.get("apiVersion", ""), manifest.get("kind", "")))
        if validator is None:
            return [Violation.of(manifest, "apiVersion", f"no CRD schema for {manifest.get('apiVersion')}"
                                 f"/{manifest.get('kind')} in {self.crd_dir}")]
        return [
            Violation.of(manifest, _path(error.absolute_path), error.message)
            for error in sorted(validator.iter_errors(manifest), key=lambda e: list(map(str, e.path)))
        ]


def _path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"
