"""`GET /api/v2/openapi.json`: the manager API's OpenAPI description (`openapi.yaml` next to this
module), parsed once on first use and served as JSON."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml
from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue

blueprint = Blueprint("openapi", __name__)


@functools.cache
def description() -> dict[str, Any]:
    """The OpenAPI document as a dict (the packaged `controller/api/openapi.yaml`)."""
    text = resources.files("controller.api").joinpath("openapi.yaml").read_text(encoding="utf-8")
    document: dict[str, Any] = yaml.safe_load(text)
    return document


@blueprint.get("/api/v2/openapi.json")
def openapi() -> ResponseReturnValue:
    return jsonify(description())
