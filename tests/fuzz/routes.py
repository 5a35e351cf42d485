"""An app's Flask URL map as OpenAPI operations, to compare with its description."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

METHODS = ("get", "post", "put", "patch", "delete")
_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^:<>]+)>")


def openapi_path(rule: str) -> str:
    """`/a/<int:b>/<c>` -> `/a/{b}/{c}` (converters, `any(...)` included, become plain parameters)."""
    return _PARAMETER.sub(lambda match: "{" + match.group(1) + "}", rule)


def flask_operations(app: Flask, ignored_endpoints: frozenset[str] = frozenset({"static"})) -> set[tuple[str, str]]:
    """(method, path) of every route, without HEAD/OPTIONS and Flask's own static route."""
    return {(method.lower(), openapi_path(rule.rule))
            for rule in app.url_map.iter_rules() if rule.endpoint not in ignored_endpoints
            for method in rule.methods or () if method.lower() in METHODS}


def described_operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method, path) for path, item in document["paths"].items() for method in item if method in METHODS}
