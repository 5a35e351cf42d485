"""The controller's routing table (`GET /api/v2/plan/routing`) as frozen values.

`RoutingTable.from_dict` parses the JSON document once; every error is a `RoutingError` naming
the path of the offending entry (`applications.demo.stages[0].variants[1].grpcTarget`). Keys the
gateway does not use are ignored, so the controller may add to the document freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from functions.gateway.errors import RoutingError
from protos.contract import Contract
from protos.errors import ContractError


@dataclass(frozen=True)
class Servable:
    """One deployed model version: where to call it, and what events say about it."""

    name: str
    model: str
    version: int
    model_version_id: int | None
    grpc_target: str
    contract: Contract
    weight: int = 100
    tag: str | None = None
    deployment_configuration: str | None = None

    @property
    def label(self) -> str:
        """`model:version`, as error messages and logs name it."""
        return f"{self.model}:{self.version}"

    @classmethod
    def from_dict(cls, doc: Any, path: str) -> Servable:
        entry = _mapping(doc, path)
        version_id = entry.get("modelVersionId")
        if version_id is not None:
            version_id = _integer(entry, "modelVersionId", path)
        return cls(
            name=_text(entry, "name", path),
            model=_text(entry, "model", path),
            version=_integer(entry, "version", path),
            model_version_id=version_id,
            grpc_target=_target(entry, path),
            contract=_contract(entry, path),
            weight=_integer(entry, "weight", path) if "weight" in entry else 100,
            tag=entry.get("tag") if isinstance(entry.get("tag"), str) else None,
            deployment_configuration=entry.get("deploymentConfiguration") or None,
        )


@dataclass(frozen=True)
class Stage:
    """One step of an application: a Route over weighted variants, plus mirrored shadows."""

    index: int
    route: str
    grpc_target: str
    variants: tuple[Servable, ...]
    shadows: tuple[Servable, ...] = ()

    @property
    def contract(self) -> Contract:
        """The stage's signature (all variants of a stage share it)."""
        return self.variants[0].contract

    def answered_by(self, model: str | None, version: int | None) -> Servable | None:
        """The variant a runtime's `hydro-model`/`hydro-model-version` answer names; with no
        such metadata, the only variant when there is one."""
        for variant in self.variants:
            if variant.model == model and (version is None or variant.version == version):
                return variant
        if model is None and len(self.variants) == 1:
            return self.variants[0]
        return None

    def describe(self, application: str | None) -> str:
        """`stage 0 of application 'demo' (iris:1 or iris:2)`, for error messages."""
        where = f"stage {self.index} of application '{application}'" if application else f"servable '{self.route}'"
        return f"{where} ({' or '.join(v.label for v in self.variants)})"

    @classmethod
    def from_dict(cls, doc: Any, index: int, path: str) -> Stage:
        entry = _mapping(doc, path)
        variants = _servables(entry.get("variants"), f"{path}.variants")
        if not variants:
            raise RoutingError(f"{path}.variants", "a stage needs at least one serving variant")
        return cls(
            index=index,
            route=_text(entry, "route", path),
            grpc_target=_target(entry, path),
            variants=variants,
            shadows=_servables(entry.get("shadows", []), f"{path}.shadows"),
        )

    @classmethod
    def of_servable(cls, servable: Servable) -> Stage:
        """A servable called directly behaves like a one-variant stage without shadows."""
        return cls(0, servable.name, servable.grpc_target, (servable,))


@dataclass(frozen=True)
class Application:
    """An application: its contract (stage 0's inputs, the last stage's outputs) and stages."""

    name: str
    contract: Contract
    stages: tuple[Stage, ...]

    def stage(self, index: int) -> Stage | None:
        return self.stages[index] if 0 <= index < len(self.stages) else None

    @classmethod
    def from_dict(cls, doc: Any, path: str) -> Application:
        entry = _mapping(doc, path)
        raw_stages = entry.get("stages")
        if not isinstance(raw_stages, list) or not raw_stages:
            raise RoutingError(f"{path}.stages", "must be a non-empty list")
        stages = tuple(Stage.from_dict(s, i, f"{path}.stages[{i}]") for i, s in enumerate(raw_stages))
        return cls(_text(entry, "name", path), _contract(entry, path), stages)


@dataclass(frozen=True)
class RoutingTable:
    """Every application and servable the gateway can serve, by name."""

    applications: Mapping[str, Application]
    servables: Mapping[str, Servable]
    namespace: str = ""

    @classmethod
    def from_dict(cls, doc: Any) -> RoutingTable:
        """Parse `{"namespace", "applications": {...}, "servables": {...}}`."""
        table = _mapping(doc, "$")
        apps = _mapping(table.get("applications", {}), "applications")
        servables = _mapping(table.get("servables", {}), "servables")
        return cls(
            applications={name: Application.from_dict(a, f"applications.{name}") for name, a in apps.items()},
            servables={name: Servable.from_dict(s, f"servables.{name}") for name, s in servables.items()},
            namespace=str(table.get("namespace") or ""),
        )


def _mapping(doc: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(doc, Mapping):
        raise RoutingError(path, f"must be an object, got {type(doc).__name__}")
    return doc


def _servables(doc: Any, path: str) -> tuple[Servable, ...]:
    if not isinstance(doc, list):
        raise RoutingError(path, f"must be a list, got {type(doc).__name__}")
    return tuple(Servable.from_dict(item, f"{path}[{i}]") for i, item in enumerate(doc))


def _text(entry: Mapping[str, Any], key: str, path: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise RoutingError(f"{path}.{key}", f"must be a non-empty string, got {value!r}")
    return value


def _integer(entry: Mapping[str, Any], key: str, path: str) -> int:
    value = entry.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise RoutingError(f"{path}.{key}", f"must be an integer, got {value!r}")
    return value


def _target(entry: Mapping[str, Any], path: str) -> str:
    target = _text(entry, "grpcTarget", path)
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise RoutingError(f"{path}.grpcTarget", f"must be host:port, got {target!r}")
    return target


def _contract(entry: Mapping[str, Any], path: str) -> Contract:
    try:
        return Contract.from_dict(entry.get("contract"), f"{path}.contract")
    except ContractError as exc:
        raise RoutingError(exc.path, exc.problem) from None
