"""What the catalog hands out: frozen snapshots, never live ORM rows.

Statuses use Hydrosphere's names, so the manager API can return them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from protos.contract import Contract


class VersionStatus(StrEnum):
    ASSEMBLING = "Assembling"
    RELEASED = "Released"
    FAILED = "Failed"


class ApplicationStatus(StrEnum):
    ASSEMBLING = "Assembling"
    READY = "Ready"
    FAILED = "Failed"


class ServableStatus(StrEnum):
    STARTING = "Starting"
    SERVING = "Serving"
    NOT_SERVING = "NotServing"
    NOT_AVAILABLE = "NotAvailable"


class VersionKind(StrEnum):
    MODEL = "model"
    METRIC = "metric"
    """A model version that scores other models' traffic (a monitoring model)."""


@dataclass(frozen=True)
class ModelRecord:
    id: int
    name: str
    created_at: datetime


@dataclass(frozen=True)
class ModelVersionRecord:
    id: int
    model_id: int
    model_name: str
    version: int
    status: VersionStatus
    status_message: str
    runtime: str
    contract: Contract
    install_command: str | None
    metadata: Mapping[str, str]
    batch_size: int
    artifact_uri: str | None
    """The store's URI of `models/<name>/<version>` (model.json + files/); None for external models."""
    is_external: bool
    training_data_uri: str | None
    kind: VersionKind
    python_path: str | None
    """The interpreter of the version's own environment, when its install-command built one."""
    created_at: datetime
    finished_at: datetime | None

    @property
    def ref(self) -> str:
        """`name:version`, as serving.yaml writes it."""
        return f"{self.model_name}:{self.version}"


@dataclass(frozen=True)
class VariantRecord:
    model_version_id: int
    model_name: str
    model_version: int
    weight: int
    deployment_configuration: str | None
    servable_name: str

    @property
    def is_shadow(self) -> bool:
        return self.weight == 0


@dataclass(frozen=True)
class StageRecord:
    variants: tuple[VariantRecord, ...]


@dataclass(frozen=True)
class ApplicationRecord:
    id: int
    name: str
    stages: tuple[StageRecord, ...]
    status: ApplicationStatus
    status_message: str
    metadata: Mapping[str, str]
    created_at: datetime


@dataclass(frozen=True)
class ServableRecord:
    id: int
    name: str
    model_version_id: int
    model_name: str
    model_version: int
    deployment_configuration: str | None
    status: ServableStatus
    status_message: str
    replicas: int
    last_error: str | None
    standalone: bool
    """Deployed on its own (API/CLI), not only because an application or metric needs it."""
    used_by: tuple[str, ...]
    """Names of the applications whose stages use this servable."""
    metadata: Mapping[str, str]
    created_at: datetime


@dataclass(frozen=True)
class MetricSpecRecord:
    id: str
    name: str
    model_version_id: int
    monitor_model_version_id: int
    threshold: float | None
    operator: str
    """Hydrosphere's comparison operator name: Eq, NotEq, Greater, GreaterEq, Less, LessEq."""
    created_at: datetime

    def to_hydrosphere(self) -> dict[str, Any]:
        """Hydrosphere's MetricSpec JSON, as hydrosdk reads it."""
        return {
            "id": self.id,
            "name": self.name,
            "modelVersionId": self.model_version_id,
            "config": {
                "modelVersionId": self.monitor_model_version_id,
                "threshold": self.threshold,
                "thresholdCmpOperator": {"kind": self.operator},
            },
        }


@dataclass(frozen=True)
class TrainingDataRecord:
    id: int
    model_version_id: int
    uri: str
    status: str
    profile_status: str
    profile_message: str
    rows: int | None
    created_at: datetime


@dataclass(frozen=True)
class EventRecord:
    """One row of the outbox: `id` is the cursor for `Catalog.events_since`."""

    id: int
    type: str
    subject: str
    data: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime | None = None


def to_jsonable(value: Any) -> Any:
    """A record (or anything inside one) as JSON-ready data: what the outbox and the API write."""
    if isinstance(value, Contract):
        return value.to_dict()
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "__dataclass_fields__"):
        return {name: to_jsonable(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    return value
