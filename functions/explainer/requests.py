"""An explanation request (`POST /rootcause/explanation` body or the listing's query), validated once.

Keys: `method` (anchor, rise or outlier), `model_version_id`, `explained_request_id` (the check
document `_id` the monitoring function stored), optional `output_field` (which output to explain)
and `config` (the method's settings: `AnchorConfig` or `SaliencyConfig` keys; outlier has none).
Ids may come as numbers or digit strings (the UI sends query-string values). Errors name the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from functions.explainer.errors import BadRequest
from functions.interpretability import AnchorConfig, InvalidArgument, SaliencyConfig

ANCHOR, RISE, OUTLIER = "anchor", "rise", "outlier"
METHODS = (ANCHOR, RISE, OUTLIER)
CONFIGS: dict[str, Any] = {ANCHOR: AnchorConfig, RISE: SaliencyConfig}
KEYS = ("method", "model_version_id", "explained_request_id", "output_field", "config")
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class ExplanationRequest:
    method: str
    model_version_id: int
    explained_request_id: str
    output_field: str | None = None
    config: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, body: Any) -> ExplanationRequest:
        if not isinstance(body, Mapping):
            raise BadRequest("body: expected a JSON object with method, model_version_id and explained_request_id",
                             "body")
        unknown = sorted(str(key) for key in body if key not in KEYS)
        if unknown:
            raise BadRequest(f"{unknown[0]}: unknown key; allowed: {', '.join(KEYS)}", unknown[0])
        method = method_of(body.get("method"))
        output = body.get("output_field") or None
        if output is not None and not isinstance(output, str):
            raise BadRequest(f"output_field: must be a string, got {output!r}", "output_field")
        return cls(method, version_id(body.get("model_version_id")), request_id(body.get("explained_request_id")),
                   output, _config(method, body.get("config")))


def method_of(value: Any) -> str:
    if value not in METHODS:
        raise BadRequest(f"method: must be one of {', '.join(METHODS)}, got {value!r}", "method")
    return str(value)


def version_id(value: Any, name: str = "model_version_id") -> int:
    """A model version id from a JSON number or a digit string."""
    if isinstance(value, str) and value.isascii() and value.isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ID:
        raise BadRequest(f"{name}: must be an integer from 0 to {MAX_ID}, got {value!r}", name)
    return value


def request_id(value: Any) -> str:
    """The check document id, kept as text (the monitoring API's `_id` is a string)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 18:
        raise BadRequest(f"explained_request_id: must be a stored request id (digits), got {value!r}",
                         "explained_request_id")
    return value


def _config(method: str, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BadRequest(f"config: must be a JSON object of {method} settings, got {value!r}", "config")
    if method not in CONFIGS:
        if value:
            raise BadRequest(f"config: the {method} method takes no settings", "config")
        return {}
    try:
        CONFIGS[method].from_dict(value)
    except InvalidArgument as error:
        raise BadRequest(str(error), error.field) from None
    return dict(value)
