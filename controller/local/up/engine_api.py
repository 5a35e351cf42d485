"""`GET /api/v2/engine`: what the local engine runs (replicas, in-flight, cold starts, errors)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

from controller.errors import Unavailable
from controller.local.engine import LocalApplier


def blueprint(engine: Callable[[], LocalApplier | None]) -> Blueprint:
    routes = Blueprint("engine", __name__, url_prefix="/api/v2/engine")

    @routes.get("")
    def stats() -> ResponseReturnValue:
        current = engine()
        if current is None:
            raise Unavailable("the local engine is starting")
        return jsonify(current.stats())

    return routes
