"""The strict CRD-schema validator: planned manifests pass, typos and wrong types are caught."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from controller.kube.schema import SchemaValidator, default_crd_dir, strict
from controller.planner import plan
from tests.controller.kube.knative_check import validator
from tests.controller.planner import states as s


def _manifests() -> dict[str, dict[str, Any]]:
    result = plan(s.state(s.app("claims", [(s.servable("claims-model", 1), 100)])))
    return {m["kind"]: copy.deepcopy(m) for m in result.manifests}


CASES = [
    ("Service", lambda m: m["spec"]["template"]["spec"]["containers"][0].__setitem__("imagePullPolice", "x"),
     "spec.template.spec.containers[0]", "'imagePullPolice' was unexpected"),
    ("Service", lambda m: m["spec"]["template"]["spec"]["containers"][0]["ports"][0].__setitem__(
        "containerPort", "8081"), "spec.template.spec.containers[0].ports[0].containerPort", "is not of type"),
    ("Service", lambda m: m["metadata"].__setitem__("lables", {}), "metadata", "'lables' was unexpected"),
    ("Route", lambda m: m["spec"]["traffic"][0].__setitem__("weight", 100), "spec.traffic[0]",
     "'weight' was unexpected"),
    ("Sequence", lambda m: m["spec"].__setitem__("step", []), "spec", "'step' was unexpected"),
    ("Sequence", lambda m: m["spec"]["reply"]["ref"].__setitem__("nmae", "x"), "spec.reply.ref",
     "'nmae' was unexpected"),
    ("PingSource", lambda m: m["spec"].__setitem__("scheduel", "* * * * *"), "spec", "'scheduel' was unexpected"),
    ("Broker", lambda m: m.__setitem__("sepc", {}), "(root)", "'sepc' was unexpected"),
    ("Trigger", lambda m: m.__setitem__("apiVersion", "eventing.knative.dev/v2"), "apiVersion", "no CRD schema"),
]


@pytest.mark.parametrize(("kind", "mutate", "field", "problem"), CASES, ids=[f"{c[0]}:{c[2]}" for c in CASES])
def test_schema_catches(kind: str, mutate: Any, field: str, problem: str) -> None:
    manifest = _manifests().get(kind) or _with_ping()[kind]
    assert validator().validate(manifest) == []
    mutate(manifest)
    found = validator().validate(manifest)
    assert any(v.field == field and problem in v.problem for v in found), [str(v) for v in found]


def _with_ping() -> dict[str, dict[str, Any]]:
    return {m["kind"]: copy.deepcopy(m) for m in plan(s.state()).manifests}


def test_strict_closes_objects_with_properties_unless_they_preserve_unknown_fields() -> None:
    schema = {"type": "object", "properties": {
        "a": {"type": "object", "properties": {"b": {"type": "string"}}},
        "open": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {}},
        "map": {"type": "object", "additionalProperties": {"type": "string"}},
    }}
    closed = strict(schema)
    assert closed["additionalProperties"] is False
    assert closed["properties"]["a"]["additionalProperties"] is False
    assert "additionalProperties" not in closed["properties"]["open"]
    assert closed["properties"]["map"]["additionalProperties"] == {"type": "string"}


def test_every_knative_crd_file_is_loaded() -> None:
    kinds = {kind for _, kind in validator().kinds}
    assert {"Service", "Route", "Sequence", "Trigger", "Broker", "PingSource"} <= kinds


def test_crd_folder_defaults_beside_the_repository(tmp_path: Path) -> None:
    assert default_crd_dir({"HYDRO_KNATIVE_CRDS": str(tmp_path)}) == tmp_path
    default = default_crd_dir({}).resolve()
    assert default == (Path(__file__).resolve().parents[3] / ".." / "shared" / "knative" / "crds").resolve()
    with pytest.raises(FileNotFoundError, match="HYDRO_KNATIVE_CRDS"):
        SchemaValidator(tmp_path / "missing")
