"""What a request reads from other services: the model version and its training data from the
manager API, stored production requests from the monitoring API (Hydrosphere's JSON shapes).

- `GET /api/v2/model/version/{id}`: the contract (parsed as the monitoring function does);
- `GET /monitoring/profiles/batch/{id}/status`: `{"kind", "uri"}` of the newest training upload;
- `GET /monitoring/checks/id/{id}`, `GET /monitoring/checks/all/{mv}?limit=`: check documents.

404 -> `NotFound`; unreachable, timeout or 5xx -> `Unavailable`; other 4xx -> `BadRequest`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from functions.explainer.errors import BadRequest, NotFound, Unavailable, Unexplainable
from functions.monitoring.manager import VersionInfo

NOT_REGISTERED = "NotRegistered"


class JsonApi:
    """GETs JSON from one base URL, mapping failures onto the error hierarchy."""

    def __init__(self, base_url: str, name: str, timeout_s: float, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.timeout_s = timeout_s
        self._session = session or requests.Session()

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        try:
            answer = self._session.get(f"{self.base_url}{path}", params=params, timeout=self.timeout_s)
        except requests.RequestException as error:
            raise Unavailable(f"{self.name} GET {path}: {error}") from None
        if answer.status_code == 404:
            raise NotFound(f"{self.name} GET {path}: not found ({_message(answer)})")
        if answer.status_code >= 500:
            raise Unavailable(f"{self.name} GET {path} answered {answer.status_code}: {_message(answer)}")
        if answer.status_code >= 400:
            raise BadRequest(f"{self.name} GET {path} refused: {_message(answer)}")
        try:
            return answer.json()
        except ValueError:
            raise Unavailable(f"{self.name} GET {path} answered something that is not JSON") from None

    def close(self) -> None:
        self._session.close()


class Catalog(JsonApi):
    def __init__(self, base_url: str, timeout_s: float, session: requests.Session | None = None) -> None:
        super().__init__(base_url, "manager API", timeout_s, session)

    def version(self, version_id: int) -> VersionInfo:
        """The model version; `NotFound` naming it when the catalog has none."""
        try:
            doc = self.get(f"/api/v2/model/version/{version_id}")
        except NotFound:
            raise NotFound(f"model version {version_id} does not exist", "model_version_id") from None
        return VersionInfo.from_json(doc)

    def training_uri(self, version_id: int) -> str:
        """Where the version's newest training CSV is; `Unexplainable` when none was uploaded."""
        status = self.get(f"/monitoring/profiles/batch/{version_id}/status")
        uri = status.get("uri") if isinstance(status, Mapping) else None
        if not isinstance(uri, str) or not uri or status.get("kind") == NOT_REGISTERED:
            raise Unexplainable(f"model version {version_id} has no training data; upload a CSV first "
                                f"(POST /monitoring/profiles/batch/{version_id})")
        return uri


class Monitoring(JsonApi):
    def __init__(self, base_url: str, timeout_s: float, session: requests.Session | None = None) -> None:
        super().__init__(base_url, "monitoring API", timeout_s, session)

    def check(self, check_id: str) -> dict[str, Any]:
        """One stored request (a check document)."""
        try:
            doc = self.get(f"/monitoring/checks/id/{check_id}")
        except NotFound:
            raise Unexplainable(f"the monitoring function has no stored request {check_id}") from None
        if not isinstance(doc, dict):
            raise Unavailable(f"monitoring API: check {check_id} is not a JSON object")
        return doc

    def newest_checks(self, version_id: int, limit: int) -> list[dict[str, Any]]:
        """Up to `limit` stored requests of the version, newest first ([] when it has none yet)."""
        try:
            docs = self.get(f"/monitoring/checks/all/{version_id}", {"limit": limit})
        except NotFound:
            return []
        if not isinstance(docs, list):
            raise Unavailable(f"monitoring API: the checks of model version {version_id} are not a JSON list")
        return [doc for doc in docs if isinstance(doc, dict)]


def _message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    if isinstance(body, Mapping):
        return str(body.get("message") or body.get("error") or body)
    return str(body)
