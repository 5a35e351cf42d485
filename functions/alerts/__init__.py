"""The alerts function: `dev.hydro.check.failed` events in, deduplicated alerts and webhook
notifications out (Prometheus Alertmanager's API v2 or Hydro's JSON), and a read API.

One alert per (model version, kind, field or metric). It fires with its first failure; further
failures within the deduplication window only count; a failure after the window notifies again
(Alertmanager's repeat interval); no failure for the resolve window resolves it, checked on each
event of the version, by a sweep thread, and on `dev.knative.sources.ping` events. Notifications
go through an outbox table written with the alert change, and a sender thread per webhook
(`HYDRO_ALERT_WEBHOOK_URLS`, see `functions.host.settings`) retries them with backoff. A webhook
whose path ends in `/api/v2/alerts` gets Alertmanager's format; any other gets the alert as
`GET /api/v2/alerts/<id>` shows it (without its deliveries).

Read API: `GET /api/v2/alerts?state=firing|resolved&modelVersionId=&limit=` (newest first) and
`GET /api/v2/alerts/<id>`.

Settings beyond `FunctionSettings`, read once by `new()`:

| variable | default | meaning |
| --- | --- | --- |
| `HYDRO_ALERT_DEDUP_SECONDS` | 300 | a firing alert is notified again at most this often |
| `HYDRO_ALERT_RESOLVE_SECONDS` | 600 | no failure for this long resolves an alert |
| `HYDRO_ALERT_SWEEP_SECONDS` | 30 | how often the sweep thread resolves stale alerts |
| `HYDRO_ALERT_RETRY_BASE_SECONDS` | 1 | first delay before retrying a failed delivery (doubles each time) |
| `HYDRO_ALERT_RETRY_MAX_SECONDS` | 60 | longest delay between two attempts |
| `HYDRO_ALERT_WEBHOOK_TIMEOUT_SECONDS` | 10 | timeout of one webhook call |
| `HYDRO_ALERT_POLL_SECONDS` | 1 | how often an idle sender looks for work queued by other replicas |
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from functions.alerts.function import NAME, AlertsFunction
from functions.alerts.settings import AlertSettings
from functions.host.settings import FunctionSettings
from functions.host.store import Store

__all__ = ["NAME", "AlertSettings", "AlertsFunction", "new"]


def validate_environment(environ: Mapping[str, str]) -> None:
    """Checked by the host before it forks: a bad `HYDRO_ALERT_*` value stops the start."""
    AlertSettings.from_env(environ)


def new(settings: FunctionSettings) -> AlertsFunction:
    """The alerts function for `python -m functions` (HYDRO_FUNCTION=alerts)."""
    alert_settings = AlertSettings.from_env(os.environ)
    if not settings.database_url:
        settings.home.mkdir(parents=True, exist_ok=True)
    return AlertsFunction(Store(settings.effective_database_url), alert_settings, settings.alert_webhooks,
                          f"{settings.controller_url}/api/v2/alerts")
