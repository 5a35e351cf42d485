"""Who may predict: the gateway's token check over the controller's verifiers.

`Verifiers` caches the controller's `GET /api/v2/auth/verifiers` (key id -> SHA-256 of the secret
and scopes). `routing_source.PolledRouting` refreshes it with every routing poll (ETag, so an
unchanged set costs a 304), so a revoked token stops working within one poll. A key id the cache
does not know triggers one rate-limited refresh before the request is refused, so a token created
a moment ago works at once. The bootstrap admin token (`HYDRO_AUTH_BOOTSTRAP_TOKEN`) is accepted
until the first verifiers arrive (the controller stores it at start, so it is in them too).

`GatewayAuth.check` is transport-free: the HTTP app and the gRPC interceptor pass the credential
and the peer address, and map `Unauthenticated` / `Forbidden` to 401/403 or their gRPC codes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from functions.gateway.errors import Forbidden, Unauthenticated
from functions.gateway.settings import GatewaySettings
from protos.auth import (
    ANONYMOUS_ADMIN,
    PREDICT,
    TRUSTED_ADDRESS,
    AuthFailure,
    PermissionDenied,
    Principal,
    Scope,
    Verifier,
    authenticate,
    authorize,
    hash_secret,
    is_trusted,
    parse_token,
)


class Verifiers:
    """The current verifier set by key id; `refresh` (set by the poller) fetches it again."""

    def __init__(self, initial: Iterable[Verifier] = (), *, min_refresh_seconds: float = 0.25) -> None:
        self._by_key = {v.key_id: v for v in initial}
        self.min_refresh_seconds = min_refresh_seconds
        self.refresh: Callable[[], None] | None = None
        self._lock = threading.Lock()
        self._last_forced = float("-inf")

    def replace(self, verifiers: Iterable[Verifier]) -> None:
        """Swap in the controller's set: from now on it alone decides (a revoked bootstrap token too)."""
        self._by_key = {v.key_id: v for v in verifiers}

    def lookup(self, key_id: str) -> Verifier | None:
        found = self._by_key.get(key_id)
        if found is None and self._refresh_allowed():
            assert self.refresh is not None
            self.refresh()
            found = self._by_key.get(key_id)
        return found

    def _refresh_allowed(self) -> bool:
        # At most one forced refresh per interval: unknown key ids must not hammer the controller.
        with self._lock:
            if self.refresh is None or time.monotonic() - self._last_forced < self.min_refresh_seconds:
                return False
            self._last_forced = time.monotonic()
            return True


class GatewayAuth:
    """Decides whether a request may predict; see the module docstring."""

    def __init__(self, settings: GatewaySettings, verifiers: Verifiers) -> None:
        self.enabled = settings.auth_enabled
        self.trusted = settings.trusted_networks
        self.verifiers = verifiers

    def check(self, credential: str | None, peer: str | None, action: str) -> Principal:
        """The caller of `action`; `Unauthenticated` (401) or `Forbidden` (403) otherwise."""
        if not self.enabled:
            return ANONYMOUS_ADMIN
        if credential is None and is_trusted(peer, self.trusted):
            return TRUSTED_ADDRESS
        try:
            who = authenticate(credential, self.verifiers.lookup)
            authorize(who, PREDICT, action)
        except PermissionDenied as failure:
            raise Forbidden(failure.message) from None
        except AuthFailure as failure:
            raise Unauthenticated(failure.message) from None
        return who


def bootstrap_verifiers(settings: GatewaySettings) -> list[Verifier]:
    """The bootstrap admin token as a verifier, when one is configured."""
    token = parse_token(settings.bootstrap_token) if settings.bootstrap_token else None
    if token is None:
        return []
    return [Verifier(token.key_id, "bootstrap admin", hash_secret(token.secret), frozenset({Scope.ADMIN}))]
