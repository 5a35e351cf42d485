"""Where the routing table comes from: a static table, or the controller, polled.

`PolledRouting` asks `GET <controller>/api/v2/plan/routing` every poll interval with
`If-None-Match` (the controller answers a cheap 304 while nothing changed) and swaps the table
atomically. A name the current table does not know triggers one immediate refresh (rate-limited)
before the lookup answers 404, so a freshly deployed application is served at once. A controller
that is down, or a table that does not parse, keeps the last good table.

With `verifiers` (authentication on), every poll also fetches `GET /api/v2/auth/verifiers` with its
own ETag into that cache, so a revoked token stops working within one poll. Both requests carry the
gateway's own token (`HYDRO_GATEWAY_CONTROLLER_TOKEN`, scope `gateway`) as a Bearer header; a URL
is logged without its userinfo, so a token given there never reaches the log.
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import requests

from functions.gateway.auth import Verifiers
from functions.gateway.errors import GatewayError, NotFound, NotReady
from functions.gateway.routing import Application, RoutingTable, Servable
from protos.auth import Verifier

logger = logging.getLogger(__name__)


class RoutingSource:
    """Holds the current table; `application`/`servable` look names up (404 when unknown).

    The base class is the static source: the table given at construction (or `replace`).
    """

    def __init__(self, table: RoutingTable | None = None) -> None:
        self._table = table
        self._loaded = threading.Event()
        if table is not None:
            self._loaded.set()

    @property
    def table(self) -> RoutingTable | None:
        return self._table

    @property
    def ready(self) -> bool:
        """True once a table has loaded."""
        return self._loaded.is_set()

    def wait_ready(self, timeout: float | None = None) -> bool:
        return self._loaded.wait(timeout)

    def replace(self, table: RoutingTable) -> None:
        """Swap in a new table (one reference assignment: readers see the old or the new one)."""
        self._table = table
        self._loaded.set()

    def application(self, name: str) -> Application:
        app = self._current().applications.get(name)
        if app is None:
            app = self._refreshed().applications.get(name)
        if app is None:
            raise NotFound(f"application '{name}' is not deployed")
        return app

    def servable(self, name: str) -> Servable:
        servable = self._current().servables.get(name)
        if servable is None:
            servable = self._refreshed().servables.get(name)
        if servable is None:
            raise NotFound(f"servable '{name}' is not deployed")
        return servable

    def refresh(self) -> None:
        """Fetch the table again now, if this source can (the static one cannot)."""

    def start(self) -> None:
        """Begin background refreshing, if any."""

    def stop(self) -> None:
        """End background refreshing, if any."""

    def _current(self) -> RoutingTable:
        table = self._table
        return table if table is not None else self._refreshed()

    def _refreshed(self) -> RoutingTable:
        self.refresh()
        if self._table is None:
            raise NotReady("no routing table has loaded yet; the gateway cannot route requests")
        return self._table


class PolledRouting(RoutingSource):
    """The controller's table, polled; see the module docstring."""

    def __init__(self, url: str, poll_seconds: float = 1.0, *, min_refresh_seconds: float = 0.5,
                 timeout: float = 5.0, session: requests.Session | None = None, token: str | None = None,
                 verifiers: Verifiers | None = None, verifiers_url: str | None = None) -> None:
        super().__init__()
        self.url = url
        self.shown_url = redacted(url)
        self.poll_seconds = poll_seconds
        self.min_refresh_seconds = min_refresh_seconds
        self.timeout = timeout
        self._session = session or requests.Session()
        if token:
            self._session.headers["Authorization"] = f"Bearer {token}"
        self.verifiers = verifiers
        self.verifiers_url = verifiers_url
        self._verifiers_etag: str | None = None
        if verifiers is not None and verifiers_url:
            verifiers.refresh = self.refresh_verifiers
        self._etag: str | None = None
        self._fetch_lock = threading.Lock()
        self._last_forced = float("-inf")
        self._failing = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="routing-poller", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.timeout + 1)
            self._thread = None
        self._session.close()

    def refresh(self) -> None:
        """Fetch now, at most once per `min_refresh_seconds` (callers in between wait for the
        fetch in progress and then see its result)."""
        with self._fetch_lock:
            if time.monotonic() - self._last_forced < self.min_refresh_seconds:
                return
            self._last_forced = time.monotonic()
            self._fetch()

    def poll(self) -> None:
        """One conditional GET (two with verifiers); keeps the current table on any failure."""
        with self._fetch_lock:
            self._fetch()
            self._fetch_verifiers()

    def refresh_verifiers(self) -> None:
        """Fetch the verifiers now (callers rate-limit: `Verifiers.lookup`)."""
        with self._fetch_lock:
            self._fetch_verifiers()

    def _fetch_verifiers(self) -> None:
        if self.verifiers is None or not self.verifiers_url:
            return
        headers = {"If-None-Match": self._verifiers_etag} if self._verifiers_etag else {}
        try:
            response = self._session.get(self.verifiers_url, headers=headers, timeout=self.timeout)
            if response.status_code == 304:
                return
            response.raise_for_status()
            fetched = [Verifier.from_json(doc) for doc in response.json()["verifiers"]]
        except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
            logger.warning("token verifiers from %s unavailable (%s); keeping the last set",
                           redacted(self.verifiers_url), _status_or_type(exc))
            return
        self._verifiers_etag = response.headers.get("ETag")
        self.verifiers.replace(fetched)

    def _run(self) -> None:
        self.poll()
        while not self._stop.wait(self.poll_seconds):
            self.poll()

    def _fetch(self) -> None:
        headers = {"If-None-Match": self._etag} if self._etag and self._table is not None else {}
        try:
            response = self._session.get(self.url, headers=headers, timeout=self.timeout)
            if response.status_code == 304:
                self._recovered()
                return
            response.raise_for_status()
            table = RoutingTable.from_dict(response.json())
        except (requests.RequestException, ValueError, GatewayError) as exc:
            self._failed(exc)
            return
        self._etag = response.headers.get("ETag")
        self.replace(table)
        self._recovered()

    def _failed(self, exc: Exception) -> None:
        if not self._failing:  # log a failure once, not every poll
            keep = "keeping the last table" if self._table is not None else "no table yet"
            logger.warning("routing table from %s unavailable (%s); %s", self.shown_url, _status_or_type(exc), keep)
        self._failing = True

    def _recovered(self) -> None:
        if self._failing:
            logger.info("routing table from %s available again", self.shown_url)
        self._failing = False


def redacted(url: str) -> str:
    """`url` without userinfo (a token may ride there); for logs."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _status_or_type(exc: Exception) -> str:
    """A failure in words that cannot echo a credential (requests' messages can carry the URL)."""
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, requests.ConnectionError):
        return "connection failed"
    if isinstance(exc, requests.Timeout):
        return "timed out"
    return f"{type(exc).__name__}: {exc}" if isinstance(exc, (GatewayError, ValueError)) else type(exc).__name__
