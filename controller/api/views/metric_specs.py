"""`/api/v2/monitoring/metricspec`: metrics that monitoring models compute for a model version."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from controller.api import parse
from controller.api.context import context

blueprint = Blueprint("metric_specs", __name__, url_prefix="/api/v2/monitoring/metricspec")


@blueprint.get("")
def list_specs() -> ResponseReturnValue:
    return jsonify([s.to_hydrosphere() for s in context().catalog.list_metric_specs()])


@blueprint.get("/modelversion/<int:version_id>")
def list_for_version(version_id: int) -> ResponseReturnValue:
    context().catalog.get_version(version_id)  # 404 for an unknown version, not an empty list
    return jsonify([s.to_hydrosphere() for s in context().catalog.list_metric_specs(version_id)])


@blueprint.get("/<spec_id>")
def get_spec(spec_id: str) -> ResponseReturnValue:
    return jsonify(context().catalog.get_metric_spec(spec_id).to_hydrosphere())


@blueprint.post("")
def create_spec() -> ResponseReturnValue:
    """`{name, modelVersionId, config: {modelVersionId, threshold, thresholdCmpOperator: {kind}}}`."""
    ctx = context()
    args = parse.metric_spec(parse.json_object(request.get_data(), "body"), ctx.catalog.get_version)
    return jsonify(ctx.catalog.create_metric_spec(**args).to_hydrosphere())


@blueprint.delete("/<spec_id>")
def delete_spec(spec_id: str) -> ResponseReturnValue:
    return jsonify(context().catalog.delete_metric_spec(spec_id).to_hydrosphere())
