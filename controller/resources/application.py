"""`kind: Application`: a pipeline of stages; each stage splits traffic across model versions.

A variant with weight 0 is a shadow: the gateway mirrors requests to it but never answers with it.
The weights of a stage's serving variants sum to 100.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from controller.errors import InvalidResource
from controller.resources import fields as f


@dataclass(frozen=True)
class VariantDefinition:
    model: tuple[str, int]
    weight: int = 100
    deployment_configuration: str | None = None

    @property
    def is_shadow(self) -> bool:
        return self.weight == 0


@dataclass(frozen=True)
class StageDefinition:
    variants: tuple[VariantDefinition, ...]


@dataclass(frozen=True)
class ApplicationDefinition:
    name: str
    stages: tuple[StageDefinition, ...]
    metadata: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_singular(self) -> bool:
        return len(self.stages) == 1 and len(self.stages[0].variants) == 1

    @classmethod
    def from_dict(cls, spec: Any, source: str | None = None) -> ApplicationDefinition:
        try:
            return _parse(spec)
        except InvalidResource as error:
            raise InvalidResource(error.path, error.problem, source=source) from None


def _parse(value: Any) -> ApplicationDefinition:
    spec = f.mapping(value, "")
    f.check_keys(spec, {"kind", "name", "metadata", "singular", "pipeline"}, "")
    singular, pipeline = f.get(spec, "singular"), f.get(spec, "pipeline")
    if (singular is None) == (pipeline is None):
        raise InvalidResource("singular", "an application has exactly one of 'singular' or 'pipeline'")
    if singular is not None:
        variant = _parse_variant(singular, "singular", allow_weight=False)
        stages: tuple[StageDefinition, ...] = (StageDefinition((variant,)),)
    else:
        stages = _parse_pipeline(pipeline, "pipeline")
    return ApplicationDefinition(
        name=f.name(f.get(spec, "name"), "name"),
        stages=stages,
        metadata=f.string_map(f.get(spec, "metadata"), "metadata"),
    )


def _parse_pipeline(value: Any, path: str) -> tuple[StageDefinition, ...]:
    if not isinstance(value, list) or not value:
        raise InvalidResource(path, "must be a non-empty list of stages")
    stages = []
    for index, stage in enumerate(value):
        where = f"{path}[{index}]"
        if isinstance(stage, Mapping):
            stage = [stage]
        if not isinstance(stage, list) or not stage:
            raise InvalidResource(where, "a stage is a non-empty list of model variants")
        variants = tuple(_parse_variant(v, f"{where}[{i}]") for i, v in enumerate(stage))
        _check_stage(variants, where)
        stages.append(StageDefinition(variants))
    return tuple(stages)


def _parse_variant(value: Any, path: str, *, allow_weight: bool = True) -> VariantDefinition:
    spec = f.mapping(value, path)
    allowed = {"model", "weight", "deployment_config", "deployment_configuration"}
    f.check_keys(spec, allowed if allow_weight else allowed - {"weight"}, path)
    weight = f.integer(f.get(spec, "weight", 100), f"{path}.weight", minimum=0, maximum=100)
    config = f.get(spec, "deployment_config", f.get(spec, "deployment_configuration"))
    return VariantDefinition(
        model=f.model_ref(f.get(spec, "model"), f"{path}.model"),
        weight=weight,
        deployment_configuration=f.string(config, f"{path}.deployment-config", required=False),
    )


def _check_stage(variants: tuple[VariantDefinition, ...], path: str) -> None:
    serving = [v for v in variants if not v.is_shadow]
    if not serving:
        raise InvalidResource(path, "a stage needs at least one variant with a weight above 0")
    total = sum(v.weight for v in serving)
    if total != 100:
        raise InvalidResource(path, f"variant weights must sum to 100, got {total}")
    seen: set[tuple[tuple[str, int], str | None]] = set()
    for index, variant in enumerate(variants):
        key = (variant.model, variant.deployment_configuration)
        if key in seen:
            model = f"{variant.model[0]}:{variant.model[1]}"
            raise InvalidResource(f"{path}[{index}].model", f"{model} appears twice in the stage")
        seen.add(key)
