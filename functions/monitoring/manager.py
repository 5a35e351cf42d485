"""The manager API as the monitoring function uses it: model versions, metric specs, uploads,
training data status. JSON shapes are Hydrosphere's (docs/api-hydrosphere.md).

Errors: 404 -> `NotFound`; a connection failure, timeout or 5xx -> `Unavailable` (retry later);
any other 4xx -> `BadRequest` carrying the manager's message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from functions.monitoring.errors import BadRequest, NotFound, Unavailable
from functions.monitoring.settings import DEFAULT_BATCH_SIZE
from functions.monitoring.signature import contract_from_json
from protos.contract import Contract


@dataclass(frozen=True)
class VersionInfo:
    """What monitoring needs of a model version."""

    id: int
    model_name: str
    version: int
    contract: Contract
    batch_size: int = DEFAULT_BATCH_SIZE
    metadata: Mapping[str, str] = field(default_factory=dict)
    status: str = "Released"
    status_message: str = ""

    @property
    def is_metric_model(self) -> bool:
        """Metric models (Hydrosphere names them `<model>_metric`) get no detector of their own."""
        return self.model_name.endswith("_metric")

    @classmethod
    def from_json(cls, doc: Any) -> VersionInfo:
        if not isinstance(doc, Mapping) or not isinstance(doc.get("id"), int):
            raise BadRequest(f"model version: expected an object with an integer id, got {doc!r}", "id")
        monitoring = doc.get("monitoringConfiguration") or {}
        batch = monitoring.get("batchSize") if isinstance(monitoring, Mapping) else None
        model = doc.get("model") or {}
        return cls(
            id=doc["id"], model_name=str(model.get("name", "")), version=int(doc.get("modelVersion") or 0),
            contract=contract_from_json(doc.get("modelSignature"), f"model version {doc['id']}.modelSignature"),
            batch_size=batch if isinstance(batch, int) and batch > 0 else DEFAULT_BATCH_SIZE,
            metadata={str(k): str(v) for k, v in (doc.get("metadata") or {}).items()},
            status=str(doc.get("status") or "Released"), status_message=str(doc.get("statusMessage") or ""),
        )


@dataclass(frozen=True)
class MetricSpecInfo:
    """A MetricSpec: `metric_version_id` scores the traffic of `model_version_id`."""

    id: str
    name: str
    model_version_id: int
    metric_version_id: int
    threshold: float | None
    operator: str | None

    @classmethod
    def from_json(cls, doc: Any) -> MetricSpecInfo:
        config = (doc.get("config") or {}) if isinstance(doc, Mapping) else {}
        try:
            operator = (config.get("thresholdCmpOperator") or {}).get("kind")
            threshold = config.get("threshold")
            return cls(id=str(doc["id"]), name=str(doc["name"]), model_version_id=int(doc["modelVersionId"]),
                       metric_version_id=int(config["modelVersionId"]),
                       threshold=None if threshold is None else float(threshold), operator=operator)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise BadRequest(f"metric spec: malformed {doc!r}: {error}", "metricSpec") from None


class ManagerApi:
    def __init__(self, base_url: str, timeout_s: float = 10.0, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._session = session or requests.Session()

    def version(self, version_id: int) -> VersionInfo:
        return VersionInfo.from_json(self._call("GET", f"/api/v2/model/version/{version_id}"))

    def find_version(self, name: str, number: int) -> VersionInfo:
        return VersionInfo.from_json(self._call("GET", f"/api/v2/model/version/{name}/{number}"))

    def metric_specs(self, version_id: int) -> tuple[MetricSpecInfo, ...]:
        docs = self._call("GET", f"/api/v2/monitoring/metricspec/modelversion/{version_id}")
        return tuple(MetricSpecInfo.from_json(doc) for doc in docs or [])

    def create_metric_spec(self, body: Mapping[str, Any]) -> MetricSpecInfo:
        return MetricSpecInfo.from_json(self._call("POST", "/api/v2/monitoring/metricspec", json=dict(body)))

    def delete_metric_spec(self, spec_id: str) -> None:
        self._call("DELETE", f"/api/v2/monitoring/metricspec/{spec_id}")

    def upload_model(self, tarball: Path, metadata: Mapping[str, Any]) -> VersionInfo:
        """The multipart upload hydrosdk sends: `metadata` (JSON text) then `payload` (tar.gz)."""
        with tarball.open("rb") as payload:
            files = {"metadata": (None, json.dumps(dict(metadata))), "payload": ("filename", payload)}
            return VersionInfo.from_json(self._call("POST", "/api/v2/model/upload", files=files, unbounded=True))

    def report_profile(self, data_id: int, status: str, message: str = "", rows: int | None = None) -> bool:
        """Tell the catalog how profiling training data `data_id` went; False when it does not know
        that record (a catalog without the endpoint, or a deleted upload)."""
        body: dict[str, Any] = {"profileStatus": status, "profileMessage": message}
        if rows is not None:
            body["rows"] = rows
        try:
            self._call("PATCH", f"/api/v2/trainingdata/{data_id}", json=body)
        except NotFound:
            return False
        return True

    def close(self) -> None:
        self._session.close()

    def _call(self, method: str, path: str, *, unbounded: bool = False, **kwargs: Any) -> Any:
        """`unbounded` waits as long as the answer takes (an upload); else `timeout_s`."""
        url = f"{self.base_url}{path}"
        try:
            response = self._session.request(method, url, timeout=None if unbounded else self.timeout_s, **kwargs)
        except requests.RequestException as error:
            raise Unavailable(f"manager API {method} {path}: {error}") from None
        if response.status_code == 404:
            raise NotFound(f"manager API {method} {path}: not found ({_message(response)})")
        if response.status_code >= 500:
            raise Unavailable(f"manager API {method} {path} answered {response.status_code}: {_message(response)}")
        if response.status_code >= 400:
            raise BadRequest(f"manager API {method} {path} refused ({response.status_code}): {_message(response)}")
        return response.json() if response.content else None


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    return str(body.get("message") or body.get("error") or body) if isinstance(body, Mapping) else str(body)
