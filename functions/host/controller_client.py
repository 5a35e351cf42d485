"""How the functions authenticate to the manager API: one `requests` auth built from the settings.

`HYDRO_CONTROLLER_TOKEN` (the functions' token, scope `functions`) rides as
`Authorization: Bearer` on requests to the controller's origin (scheme, host and port of
`HYDRO_CONTROLLER_URL`) and on no other: a webhook, the Broker or a model never see it, whatever
host they share. Every manager-API client a function builds takes `controller_session(settings)`.

An explicit auth object rather than a netrc file: a netrc matches by host name only (not port),
applies to every `requests` call in the process (the alerts' webhooks included) and puts the
secret in a file; this one is scoped to one origin, needs no file, and is what both backends
use (`hydro up` and Knative give the variable the same way, from the functions' Secret).
Requests drops the header itself when a redirect leaves the origin.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase

from functions.host.settings import FunctionSettings


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port of `url` (the scheme's default port made explicit)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    default = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), parts.port or default


class ControllerAuth(AuthBase):
    """Adds the token to requests bound for the controller's origin; `repr` never shows it."""

    def __init__(self, controller_url: str, token: str) -> None:
        self.origin = origin(controller_url)
        self._header = f"Bearer {token}"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if request.url and origin(request.url) == self.origin:
            request.headers["Authorization"] = self._header
        return request

    def __repr__(self) -> str:
        scheme, host, port = self.origin
        return f"ControllerAuth({scheme}://{host}:{port})"


def controller_session(settings: FunctionSettings) -> requests.Session:
    """A new session whose requests to the manager API carry the functions' token (when set).

    One per client: a session holds a connection pool, and each client closes its own.
    """
    session = requests.Session()
    if settings.controller_token:
        session.auth = ControllerAuth(settings.controller_url, settings.controller_token)
    return session
