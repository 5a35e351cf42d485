"""`/api/v2/events`: the catalog's outbox as Hydrosphere's server-sent events.

Each outbox row becomes one frame whose `id:` is the row id, so a client that reconnects with
`Last-Event-ID` resumes after it. Names are Hydrosphere's (`ModelUpdate`, `ApplicationUpdate`,
`ServableUpdate`, `...Remove`, as hydrosdk's `lock_till_released` and friends wait for them);
an update carries the object's current JSON, as the API's GET would return it, and a removal the
removed object's id (or name), and a `Heartbeat` goes out every 5 s while idle. The stream
waits on the catalog's commit notifications and also polls, so changes made by other processes
(other gunicorn workers, builders) arrive too.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from controller.api import serialize
from controller.api.sse import format_event
from controller.catalog import outbox
from controller.catalog.records import EventRecord
from controller.catalog.service import Catalog
from controller.errors import NotFound

HEARTBEAT_EVERY_S = 5.0
"""hydrosdk checks its wait deadline only when an event arrives, so idle streams get a `Heartbeat`."""
Fetch = Callable[[Catalog, Mapping[str, Any]], Any]


def _version(catalog: Catalog, obj: Mapping[str, Any]) -> Any:
    used = serialize.applications_by_version(catalog.list_applications())
    return serialize.version_json(catalog.get_version(obj["id"]), used.get(obj["id"], ()))


def _application(catalog: Catalog, obj: Mapping[str, Any]) -> Any:
    return serialize.application_json(catalog.get_application(obj["name"]), catalog.get_version)


def _servable(catalog: Catalog, obj: Mapping[str, Any]) -> Any:
    return serialize.servable_json(catalog.get_servable(obj["name"]))


def _configuration(catalog: Catalog, obj: Mapping[str, Any]) -> Any:
    return catalog.get_deployment_configuration(obj["name"]).to_dict()


def _metric_spec(catalog: Catalog, obj: Mapping[str, Any]) -> Any:
    return catalog.get_metric_spec(obj["id"]).to_hydrosphere()


def _training_data(catalog: Catalog, obj: Mapping[str, Any]) -> Any:
    return {"modelVersionId": obj.get("model_version_id"), "uri": obj.get("uri"),
            "status": obj.get("status"), "profileStatus": obj.get("profile_status")}


# outbox type -> (Hydrosphere name stem, key identifying a removed object, fetch current JSON)
KINDS: dict[str, tuple[str, str, Fetch]] = {
    outbox.MODEL_VERSION_CHANGED: ("Model", "id", _version),
    outbox.APPLICATION_CHANGED: ("Application", "name", _application),
    outbox.SERVABLE_CHANGED: ("Servable", "name", _servable),
    outbox.DEPLOYMENT_CONFIGURATION_CHANGED: ("DeploymentConfiguration", "name", _configuration),
    outbox.METRIC_SPEC_CHANGED: ("MetricSpec", "id", _metric_spec),
    outbox.TRAINING_DATA_UPLOADED: ("TrainingData", "id", _training_data),
    outbox.TRAINING_DATA_CHANGED: ("TrainingData", "id", _training_data),
}


def to_frame(catalog: Catalog, event: EventRecord) -> str | None:
    """The SSE frame for one outbox event (None for a type the API does not publish)."""
    if event.type not in KINDS:
        return None
    stem, key, fetch = KINDS[event.type]
    obj = event.data.get("object") or {}
    if event.data.get("action") == "deleted":
        return format_event(json.dumps(obj.get(key)), event=f"{stem}Remove", event_id=event.id)
    try:
        payload = fetch(catalog, obj)
    except NotFound:
        # Removed since: a later event of this stream reports the removal.
        return None
    return format_event(payload, event=f"{stem}Update", event_id=event.id)


def frames(catalog: Catalog, cursor: int, poll_seconds: float) -> Iterator[str]:
    """Frames for every event after `cursor`, forever (until the client goes away)."""
    wake = threading.Event()
    unsubscribe = catalog.subscribe(lambda _events: wake.set())
    quiet_since = time.monotonic()
    try:
        while True:
            events = catalog.events_since(cursor)
            for event in events:
                cursor = event.id
                frame = to_frame(catalog, event)
                if frame:
                    quiet_since = time.monotonic()
                    yield frame
            if events:
                continue
            if time.monotonic() - quiet_since > HEARTBEAT_EVERY_S:
                quiet_since = time.monotonic()
                yield format_event("{}", event="Heartbeat")
            wake.wait(min(poll_seconds * 4, HEARTBEAT_EVERY_S))
            wake.clear()
    finally:
        unsubscribe()
