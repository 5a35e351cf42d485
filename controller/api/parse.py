"""Request bodies of Hydrosphere's manager API into definitions, validated once, errors naming fields.

Field paths in errors are those of the request JSON (`metadata.modelSignature.inputs[0].dtype`,
`executionGraph.stages[0].modelVariants[1].modelVersionId`), so a client can point at its mistake.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from controller.api.signature import contract_from_json
from controller.catalog.records import ModelVersionRecord
from controller.errors import BadRequest, InvalidResource, NotFound
from controller.resources import ApplicationDefinition, ModelDefinition
from controller.resources import fields as f
from controller.resources import limits as limits_check
from controller.resources.model import DEFAULT_BATCH_SIZE, parse_operator
from controller.settings import UploadLimits
from protos.contract import Contract
from protos.errors import ContractError

VersionById = Callable[[int], ModelVersionRecord]
VersionByRef = Callable[[str, int], ModelVersionRecord]


def json_object(raw: bytes | str | None, what: str) -> dict[str, Any]:
    """Parse a JSON object (a request body or a multipart part); 400 naming `what` otherwise."""
    if raw is None or raw in (b"", ""):
        raise BadRequest(f"{what} is required: a JSON object", field=what)
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest(f"{what} is not valid JSON: {error}", field=what) from None
    except RecursionError:
        raise BadRequest(f"{what} is nested too deeply to be parsed", field=what) from None
    if not isinstance(value, dict):
        raise BadRequest(f"{what} must be a JSON object, got {type(value).__name__}", field=what)
    return value


def last_event_id(value: str | None) -> int | None:
    """A `Last-Event-ID` header as a number (None when absent); 400 when it is not an event id."""
    if value is None:
        return None
    if not value.strip().isdigit():
        raise BadRequest(f"Last-Event-ID must be an event id (a number), got {value!r}", field="Last-Event-ID")
    return int(value)


def model_definition(meta: Mapping[str, Any], limits: UploadLimits, prefix: str = "metadata") -> ModelDefinition:
    """The upload's `metadata` part (as hydrosdk builds it) into a model definition, within `limits`."""
    limits_check.check_nesting(meta, limits, prefix)
    signature = f.get(meta, "model_signature", f.get(meta, "signature"))
    if signature is None and f.get(meta, "contract") is not None:
        contract = _yaml_contract(f.get(meta, "contract"), f"{prefix}.contract", limits)
    else:
        contract = contract_from_json(signature, f"{prefix}.modelSignature")
        limits_check.check_contract(contract, limits, f"{prefix}.modelSignature")
    metadata = f.string_map(f.get(meta, "metadata"), f"{prefix}.metadata")
    limits_check.check_metadata(metadata, limits, f"{prefix}.metadata")
    return ModelDefinition(
        name=f.name(f.get(meta, "name"), f"{prefix}.name"),
        runtime=runtime_reference(f.get(meta, "runtime"), f"{prefix}.runtime"),
        contract=contract,
        payload=("payload.tar.gz",),
        install_command=f.string(f.get(meta, "install_command"), f"{prefix}.installCommand", required=False),
        metadata=metadata,
        batch_size=_batch_size(f.get(meta, "monitoring_configuration"), f"{prefix}.monitoringConfiguration"),
    )


def external_definition(body: Mapping[str, Any], limits: UploadLimits) -> ModelDefinition:
    """`POST /api/v2/externalmodel`: `{name, signature, metadata}`, within `limits`."""
    limits_check.check_nesting(body, limits, "body")
    contract = contract_from_json(f.get(body, "signature", f.get(body, "model_signature")), "signature")
    limits_check.check_contract(contract, limits, "signature")
    metadata = f.string_map(f.get(body, "metadata"), "metadata")
    limits_check.check_metadata(metadata, limits, "metadata")
    return ModelDefinition(
        name=f.name(f.get(body, "name"), "name"),
        runtime="external",
        contract=contract,
        payload=(),
        metadata=metadata,
        batch_size=_batch_size(f.get(body, "monitoring_configuration"), "monitoringConfiguration"),
    )


def runtime_reference(value: Any, path: str) -> str:
    """`{"name": ..., "tag": ...}` (hydrosdk's DockerImage) or an image reference string."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    spec = f.mapping(value, path)
    name = f.string(f.get(spec, "name"), f"{path}.name")
    tag = f.string(f.get(spec, "tag", "latest"), f"{path}.tag")
    return f"{name}:{tag}"


def _yaml_contract(value: Any, path: str, limits: UploadLimits) -> Contract:
    try:
        contract = Contract.from_dict(value, path)
    except ContractError as error:
        raise InvalidResource(error.path, error.problem) from None
    limits_check.check_contract(contract, limits, path)
    return contract


def _batch_size(value: Any, path: str) -> int:
    if value is None:
        return DEFAULT_BATCH_SIZE
    spec = f.mapping(value, path)
    size = f.get(spec, "batch_size", DEFAULT_BATCH_SIZE)
    return f.integer(size, f"{path}.batchSize", minimum=1, maximum=1_000_000)


def application_definition(
    body: Mapping[str, Any], version_by_id: VersionById, version_by_ref: VersionByRef
) -> ApplicationDefinition:
    """hydrosdk's `{name, executionGraph: {stages: [{modelVariants}]}, metadata}`, or the YAML shape
    (`singular`/`pipeline` with `name:version` references) that `hydro apply` sends."""
    if f.get(body, "execution_graph") is None:
        definition = ApplicationDefinition.from_dict(body)
        _check_references(definition, "singular" in body, version_by_ref)
        return definition
    graph = f.mapping(f.get(body, "execution_graph"), "executionGraph")
    stages = f.get(graph, "stages")
    if not isinstance(stages, list) or not stages:
        raise InvalidResource("executionGraph.stages", "must be a non-empty list of stages")
    pipeline = [_stage(stage, f"executionGraph.stages[{i}]", version_by_id) for i, stage in enumerate(stages)]
    spec = {"name": f.get(body, "name"), "metadata": f.get(body, "metadata"), "pipeline": pipeline}
    try:
        return ApplicationDefinition.from_dict(spec)
    except InvalidResource as error:
        # The definition speaks of `pipeline[i][j]`; the client sent `executionGraph.stages[i]...`.
        path = _GRAPH_PATH.sub(_graph_path, error.path)
        raise InvalidResource(path, error.problem) from None


_GRAPH_PATH = re.compile(r"^pipeline\[(\d+)\](?:\[(\d+)\])?")


def _graph_path(match: re.Match[str]) -> str:
    stage, variant = match.groups()
    tail = f".modelVariants[{variant}]" if variant is not None else ""
    return f"executionGraph.stages[{stage}]{tail}"


def _check_references(definition: ApplicationDefinition, singular: bool, version_by_ref: VersionByRef) -> None:
    for i, stage in enumerate(definition.stages):
        for j, variant in enumerate(stage.variants):
            try:
                version_by_ref(*variant.model)
            except NotFound:
                path = "singular.model" if singular else f"pipeline[{i}][{j}].model"
                ref = f"{variant.model[0]}:{variant.model[1]}"
                raise InvalidResource(path, f"model version {ref} does not exist") from None


def _stage(value: Any, path: str, version_by_id: VersionById) -> list[dict[str, Any]]:
    variants = f.get(f.mapping(value, path), "model_variants")
    if not isinstance(variants, list) or not variants:
        raise InvalidResource(f"{path}.modelVariants", "must be a non-empty list of model variants")
    out = []
    for index, item in enumerate(variants):
        where = f"{path}.modelVariants[{index}]"
        item = f.mapping(item, where)
        version = model_version(f.get(item, "model_version_id"), f"{where}.modelVersionId", version_by_id)
        config = f.get(item, "deployment_config_name", f.get(item, "deployment_configuration_name"))
        out.append({
            "model": version.ref,
            "weight": f.integer(f.get(item, "weight", 100), f"{where}.weight", minimum=0, maximum=100),
            "deployment_config": config,
        })
    return out


def model_version(value: Any, path: str, version_by_id: VersionById) -> ModelVersionRecord:
    """A model version referenced by id in a request: 400 naming the field when it is unknown."""
    version_id = f.integer(value, path, minimum=1)
    try:
        return version_by_id(version_id)
    except NotFound:
        raise InvalidResource(path, f"model version {version_id} does not exist") from None


def metric_spec(body: Mapping[str, Any], version_by_id: VersionById) -> dict[str, Any]:
    """hydrosdk's MetricSpec JSON into `Catalog.create_metric_spec` keyword arguments."""
    config = f.mapping(f.get(body, "config"), "config")
    operator = f.get(config, "threshold_cmp_operator")
    if isinstance(operator, Mapping):
        operator = f.get(operator, "kind")
    threshold = f.get(config, "threshold")
    return {
        "name": f.string(f.get(body, "name"), "name"),
        "model_version_id": model_version(f.get(body, "model_version_id"), "modelVersionId", version_by_id).id,
        "monitor_model_version_id": model_version(
            f.get(config, "model_version_id"), "config.modelVersionId", version_by_id).id,
        "threshold": None if threshold is None else f.number(threshold, "config.threshold"),
        "operator": parse_operator(operator or "Less", "config.thresholdCmpOperator.kind"),
    }


def servable_request(
    body: Mapping[str, Any], version_by_ref: VersionByRef, config_by_name: Callable[[str], object]
) -> dict[str, Any]:
    """`POST /api/v2/servable`: `{modelName, version, metadata?, deploymentConfigName?}`; the model
    version and the configuration must exist (400 naming the field otherwise)."""
    name = str(f.string(f.get(body, "model_name"), "modelName"))
    version = f.integer(f.get(body, "version"), "version", minimum=1)
    config_field = f.get(body, "deployment_config_name", f.get(body, "deployment_configuration_name"))
    config = f.string(config_field, "deploymentConfigName", required=False)
    try:
        version_by_ref(name, version)
    except NotFound:
        raise InvalidResource("modelName", f"model version {name}:{version} does not exist") from None
    try:
        if config is not None:
            config_by_name(config)
    except NotFound:
        raise InvalidResource("deploymentConfigName", f"deployment configuration {config} does not exist") from None
    return {"model_name": name, "version": version, "deployment_configuration": config,
            "metadata": f.string_map(f.get(body, "metadata"), "metadata")}
