"""`dev.hydro.check.failed`: what the alerts function consumes.

Data: `{"modelVersionId", "modelName", "modelVersion", "kind": "check" | "metric" | "drift",
"failures": [{"field" or "metric", "value", "threshold", "comparison", "message"}],
"requestId" or "batch", "timestamp"}`; extensions `hydromodel` and `hydroversion`.

A failing request is answered with its alert as the reply event. Drift alerts come from batch work,
which no single event owns: they wait in `fn_monitoring_alerts` and are POSTed to the Broker
(`HYDRO_BROKER_URL`), or, with no Broker configured, become the reply of the next ping.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import requests
from cloudevents.core.base import BaseCloudEvent
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from functions.host.store import utcnow
from functions.monitoring.manager import VersionInfo
from functions.monitoring.tables import AlertRow
from protos import cloudevent_http, events

logger = logging.getLogger(__name__)
SOURCE = f"{events.SOURCE_FUNCTIONS}/monitoring"
CHECK, METRIC, DRIFT = "check", "metric", "drift"


def alert(info: VersionInfo, kind: str, failures: Sequence[Mapping[str, Any]], moment: datetime,
          **where: Any) -> BaseCloudEvent:
    """An alert event; `where` is `requestId=...` or `batch=...`."""
    data = {"modelVersionId": info.id, "modelName": info.model_name, "modelVersion": info.version, "kind": kind,
            "failures": list(failures), **where, "timestamp": cloudevent_http.rfc3339(moment)}
    attributes = {"id": str(uuid.uuid4()), "source": SOURCE, "type": events.CHECK_FAILED,
                  "datacontenttype": "application/json", "time": utcnow(),
                  events.EXT_MODEL: info.model_name, events.EXT_VERSION: str(info.version)}
    return cloudevent_http.new_event(attributes, data)


def drift_failures(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One failure per drifted feature: its corrected p-value fell below alpha."""
    alpha = report.get("config", {}).get("alpha")
    out = []
    for feature in report.get("features", []):
        if feature.get("drifted"):
            p_value = feature.get("corrected_p_value")
            out.append({"field": feature["feature"], "value": p_value, "threshold": alpha, "comparison": "GreaterEq",
                        "message": f"{feature['feature']} drifted: {feature.get('test')} statistic "
                                   f"{feature.get('statistic')}, corrected p-value {p_value} < alpha {alpha}"})
    return out


def keep(session: Session, version_id: int, event: BaseCloudEvent) -> None:
    """Queue an alert no event's reply carries."""
    session.add(AlertRow(model_version_id=version_id, event=cloudevent_http.encode(event).decode("utf-8"),
                         created_at=utcnow(), delivered=False))


def take_one(session: Session) -> BaseCloudEvent | None:
    """The oldest queued alert, marked delivered (it becomes the caller's reply)."""
    row = session.scalars(select(AlertRow).where(AlertRow.delivered.is_(False)).order_by(AlertRow.id).limit(1)).first()
    if row is None:
        return None
    row.delivered = True
    return cloudevent_http.decode(row.event.encode("utf-8"))


class Publisher:
    """POSTs queued alerts to the Broker, oldest first; stops at the first refusal (kept for later).

    One thread publishes at a time in a process (the others find nothing left), so an alert is sent
    once; replicas sharing the store may both send one, with the same event id (at least once).
    """

    def __init__(self, broker_url: str, timeout_s: float = 10.0) -> None:
        self.broker_url = broker_url
        self.timeout_s = timeout_s
        self._session = requests.Session()
        self._lock = threading.Lock()

    def publish_pending(self, store_transaction: Any) -> int:
        with self._lock:
            return self._publish(store_transaction)

    def _publish(self, store_transaction: Any) -> int:
        sent = 0
        while True:
            with store_transaction() as session:
                row = session.scalars(select(AlertRow).where(AlertRow.delivered.is_(False))
                                      .order_by(AlertRow.id).limit(1)).first()
                if row is None or not self._post(row.event):
                    return sent
                session.execute(update(AlertRow).where(AlertRow.id == row.id).values(delivered=True))
            sent += 1

    def close(self) -> None:
        self._session.close()

    def _post(self, stored: str) -> bool:
        message = cloudevent_http.to_binary(cloudevent_http.decode(stored.encode("utf-8")))
        try:
            answer = self._session.post(self.broker_url, data=message.body, headers=dict(message.headers),
                                        timeout=self.timeout_s)
        except requests.RequestException as error:
            logger.warning("alert not delivered to the Broker at %s: %s; kept for later", self.broker_url, error)
            return False
        if not 200 <= answer.status_code < 300:
            logger.warning("the Broker at %s refused an alert (%d): %s; kept for later", self.broker_url,
                           answer.status_code, answer.text[:200])
            return False
        return True
