"""Catalog records as Hydrosphere's manager API writes them (the JSON hydrosdk 3.0.3 reads)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from controller.api.signature import contract_to_json
from controller.catalog.records import (
    ApplicationRecord,
    ModelRecord,
    ModelVersionRecord,
    ServableRecord,
    StageRecord,
    TrainingDataRecord,
    VariantRecord,
)
from protos.contract import Contract

VersionLookup = Callable[[int], ModelVersionRecord]


def timestamp(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def docker_image(reference: str) -> dict[str, str]:
    """`registry:5000/org/image:tag` -> {"name": "registry:5000/org/image", "tag": "tag"}."""
    name, sep, tag = reference.rpartition(":")
    if not sep or "/" in tag:
        return {"name": reference, "tag": "latest"}
    return {"name": name, "tag": tag}


def model_json(model: ModelRecord) -> dict[str, Any]:
    return {"id": model.id, "name": model.name, "created": timestamp(model.created_at)}


def version_json(version: ModelVersionRecord, applications: Iterable[str] = ()) -> dict[str, Any]:
    """A model version; `applications` names the applications that use it."""
    runtime = None if version.is_external else docker_image(version.runtime)
    return {
        "id": version.id,
        "model": {"id": version.model_id, "name": version.model_name},
        "modelVersion": version.version,
        "modelSignature": contract_to_json(version.contract),
        "runtime": runtime,
        "image": None if version.is_external else {"name": version.model_name, "tag": str(version.version)},
        "status": str(version.status),
        "statusMessage": version.status_message,
        "installCommand": version.install_command,
        "metadata": dict(version.metadata),
        "monitoringConfiguration": {"batchSize": version.batch_size},
        "isExternal": version.is_external,
        "kind": str(version.kind),
        "created": timestamp(version.created_at),
        "finished": timestamp(version.finished_at),
        "applications": sorted(applications),
    }


def applications_by_version(apps: Iterable[ApplicationRecord]) -> dict[int, list[str]]:
    """Model version id -> names of the applications whose stages use it."""
    out: dict[int, list[str]] = {}
    for app in apps:
        for stage in app.stages:
            for variant in stage.variants:
                names = out.setdefault(variant.model_version_id, [])
                if app.name not in names:
                    names.append(app.name)
    return out


def application_json(app: ApplicationRecord, lookup: VersionLookup) -> dict[str, Any]:
    """An application with its execution graph; contracts come from its model versions."""
    stages = [_stage_json(stage, lookup) for stage in app.stages]
    return {
        "id": app.id,
        "name": app.name,
        "executionGraph": {"stages": stages},
        "kafkaStreaming": [],
        "metadata": dict(app.metadata),
        "signature": contract_to_json(application_contract(app, lookup)),
        "status": str(app.status),
        "message": app.status_message or None,
        "created": timestamp(app.created_at),
    }


def application_contract(app: ApplicationRecord, lookup: VersionLookup) -> Contract:
    """The first stage's inputs and the last stage's outputs, named after the application."""
    first = lookup(app.stages[0].variants[0].model_version_id).contract
    last = lookup(app.stages[-1].variants[0].model_version_id).contract
    return Contract(app.name, first.inputs, last.outputs)


def _stage_json(stage: StageRecord, lookup: VersionLookup) -> dict[str, Any]:
    contract = lookup(stage.variants[0].model_version_id).contract
    return {
        "signature": contract_to_json(contract),
        "modelVariants": [_variant_json(v) for v in stage.variants],
    }


def _variant_json(variant: VariantRecord) -> dict[str, Any]:
    return {
        "modelVersionId": variant.model_version_id,
        "modelName": variant.model_name,
        "modelVersion": variant.model_version,
        "weight": variant.weight,
        "deploymentConfigurationName": variant.deployment_configuration,
        "servableName": variant.servable_name,
    }


def servable_json(servable: ServableRecord) -> dict[str, Any]:
    return {
        "fullName": servable.name,
        "modelVersionId": servable.model_version_id,
        "modelName": servable.model_name,
        "modelVersion": servable.model_version,
        "status": str(servable.status),
        "statusMessage": servable.status_message or None,
        "deploymentConfigurationName": servable.deployment_configuration,
        "metadata": dict(servable.metadata),
        "replicas": servable.replicas,
        "usedBy": list(servable.used_by),
        "created": timestamp(servable.created_at),
    }


def training_data_json(data: TrainingDataRecord) -> dict[str, Any]:
    return {
        "id": data.id,
        "modelVersionId": data.model_version_id,
        "uri": data.uri,
        "status": data.status,
        "profileStatus": data.profile_status,
        "message": data.profile_message or None,
        "rows": data.rows,
        "created": timestamp(data.created_at),
    }


# Hydrosphere's DataProfileStatus kinds, as hydrosdk's DataUploadResponse polls them.
_PROFILE_KINDS = {
    "pending": "Processing", "processing": "Processing", "running": "Processing",
    "success": "Success", "succeeded": "Success", "done": "Success", "ready": "Success",
    "failure": "Failure", "failed": "Failure", "error": "Failure",
}


def profile_status_json(uploads: list[TrainingDataRecord]) -> dict[str, Any]:
    """`{"kind": Success|Processing|Failure|NotRegistered}` for the newest upload."""
    if not uploads:
        return {"kind": "NotRegistered"}
    newest = max(uploads, key=lambda d: d.id)
    kind = _PROFILE_KINDS.get(newest.profile_status.lower(), "Processing")
    return {"kind": kind, "message": newest.profile_message or None, "uri": newest.uri}
