"""`/health` and the build-info endpoints hydrosdk's `Cluster.build_info` reads."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from controller.api.context import context

blueprint = Blueprint("health", __name__)
VERSION = "0.1.0"


@blueprint.get("/health")
def health() -> ResponseReturnValue:
    """200 when the catalog answers; 503 (Unavailable) when the database is down."""
    context().catalog.last_event_id()
    return jsonify({"status": "ok"})


@blueprint.get("/api/buildinfo")
def build_info() -> ResponseReturnValue:
    return jsonify({"name": "hydro-controller", "version": VERSION, "status": "Ok"})
