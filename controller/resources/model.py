"""`kind: Model`: one upload of a model folder, which becomes a new model version."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from controller.errors import InvalidResource
from controller.resources import fields as f
from protos.contract import Contract
from protos.errors import ContractError

# Hydrosphere's threshold comparison operators (as hydrosdk sends them), with common spellings.
OPERATORS: dict[str, str] = {
    "eq": "Eq", "==": "Eq", "noteq": "NotEq", "!=": "NotEq",
    "greater": "Greater", ">": "Greater", "greatereq": "GreaterEq", ">=": "GreaterEq",
    "less": "Less", "<": "Less", "lesseq": "LessEq", "<=": "LessEq",
}
DEFAULT_BATCH_SIZE = 100


@dataclass(frozen=True)
class MetricDefinition:
    """A metric attached to the model: another model version scores every request."""

    name: str
    monitoring_model: tuple[str, int]
    threshold: float | None = None
    operator: str = "Less"


@dataclass(frozen=True)
class ModelDefinition:
    name: str
    runtime: str
    contract: Contract
    payload: tuple[str, ...]
    install_command: str | None = None
    training_data: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)
    monitoring: tuple[MetricDefinition, ...] = ()
    batch_size: int = DEFAULT_BATCH_SIZE

    @classmethod
    def from_dict(cls, spec: Any, source: str | None = None) -> ModelDefinition:
        try:
            return _parse(spec)
        except InvalidResource as error:
            raise InvalidResource(error.path, error.problem, source=source) from None


def _parse(value: Any) -> ModelDefinition:
    spec = f.mapping(value, "")
    f.check_keys(spec, {
        "kind", "name", "runtime", "contract", "payload", "install_command", "training_data",
        "metadata", "monitoring", "monitoring_configuration",
    }, "")
    payload = f.get(spec, "payload")
    if not isinstance(payload, list) or not payload or not all(isinstance(p, str) and p for p in payload):
        raise InvalidResource("payload", f"must be a non-empty list of paths or globs, got {payload!r}")
    try:
        contract = Contract.from_dict(f.get(spec, "contract"), "contract")
    except ContractError as error:
        raise InvalidResource(error.path, error.problem) from None
    return ModelDefinition(
        name=f.name(f.get(spec, "name"), "name"),
        runtime=str(f.string(f.get(spec, "runtime"), "runtime")),
        contract=contract,
        payload=tuple(payload),
        install_command=f.string(f.get(spec, "install_command"), "install-command", required=False),
        training_data=f.string(f.get(spec, "training_data"), "training-data", required=False),
        metadata=f.string_map(f.get(spec, "metadata"), "metadata"),
        monitoring=_parse_monitoring(f.get(spec, "monitoring"), "monitoring"),
        batch_size=_parse_batch_size(f.get(spec, "monitoring_configuration")),
    )


def _parse_batch_size(value: Any) -> int:
    if value is None:
        return DEFAULT_BATCH_SIZE
    spec = f.mapping(value, "monitoring-configuration")
    f.check_keys(spec, {"batch_size"}, "monitoring-configuration")
    size = f.get(spec, "batch_size", DEFAULT_BATCH_SIZE)
    return f.integer(size, "monitoring-configuration.batch-size", minimum=1, maximum=1_000_000)


def _parse_monitoring(value: Any, path: str) -> tuple[MetricDefinition, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise InvalidResource(path, "must be a list of metrics")
    metrics = []
    for index, item in enumerate(value):
        where = f"{path}[{index}]"
        item = f.mapping(item, where)
        f.check_keys(item, {"name", "config"}, where)
        config = f.mapping(f.get(item, "config"), f"{where}.config")
        f.check_keys(config, {"monitoring_model", "threshold", "operator"}, f"{where}.config")
        threshold = f.get(config, "threshold")
        metrics.append(MetricDefinition(
            name=str(f.string(f.get(item, "name"), f"{where}.name")),
            monitoring_model=f.model_ref(
                f.get(config, "monitoring_model"), f"{where}.config.monitoring-model"
            ),
            threshold=None if threshold is None else f.number(threshold, f"{where}.config.threshold"),
            operator=parse_operator(f.get(config, "operator", "Less"), f"{where}.config.operator"),
        ))
    return tuple(metrics)


def parse_operator(value: Any, path: str) -> str:
    """Normalise a comparison operator to Hydrosphere's name (`Eq`, `Greater`, ...)."""
    key = str(value).replace("_", "").replace(" ", "").lower()
    if key not in OPERATORS:
        raise InvalidResource(path, f"unknown operator {value!r}; one of {sorted(set(OPERATORS.values()))}")
    return OPERATORS[key]
