"""Step passes: how a Sequence step is authorised when the caller is Knative's dispatcher.

An asynchronous request enters with a token (`POST /gateway/cloudevents`, scope `predict`); its
stages then run as Sequence steps (`POST /gateway/cloudevents/stage/<app>/<i>`), called by the
Sequence's dispatcher, which has no token to send. So the gateway vouches for its own events: the
event it stores for the Broker carries the extension `hydrosteppass`, an HMAC over the application,
the stage it admits (0), the request's correlation id and the data; every step's reply carries one
for the next stage over the reply's data. A step called without a token runs only with a pass for
exactly that application, stage, request and data, so a pass cannot be replayed with other inputs,
on another stage or application, and nothing outside the gateways can mint one.

The key is derived from the gateway's own controller token (`HYDRO_GATEWAY_CONTROLLER_TOKEN`, from
the Secret every gateway replica reads), so the HTTP and gRPC gateways and all their replicas agree
without another secret; the controller stores only the token's SHA-256, which is not this key.
Rotating that token invalidates the passes of requests still in flight: they are refused (401) and
dead-lettered by the Sequence.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

_CONTEXT = b"hydro sequence step pass v1"


def canonical_data(data: Mapping[str, Any]) -> bytes:
    """The data as the pass covers them: parsed JSON, re-encoded canonically, so a Broker that
    re-serializes the event (spacing, key order) does not invalidate it."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), allow_nan=True).encode("utf-8")


class StepPasses:
    """Mints and checks passes with one key; without a key it mints none and accepts none."""

    def __init__(self, controller_token: str | None) -> None:
        self._key = None if not controller_token else hmac.new(
            controller_token.encode("utf-8"), _CONTEXT, hashlib.sha256).digest()

    @property
    def enabled(self) -> bool:
        return self._key is not None

    def mint(self, application: str, stage: int, correlation: str, data: Mapping[str, Any]) -> str | None:
        """The pass admitting stage `stage` of `application` for this request and data (None without a key)."""
        if self._key is None:
            return None
        return self._digest(self._key, application, stage, correlation, data)

    def admits(self, token: str | None, application: str, stage: int, correlation: str,
               data: Mapping[str, Any]) -> bool:
        if self._key is None or not token:
            return False
        return hmac.compare_digest(token, self._digest(self._key, application, stage, correlation, data))

    @staticmethod
    def _digest(key: bytes, application: str, stage: int, correlation: str, data: Mapping[str, Any]) -> str:
        signed = hmac.new(key, digestmod=hashlib.sha256)
        for part in (application.encode("utf-8"), str(stage).encode(), correlation.encode("utf-8")):
            signed.update(len(part).to_bytes(4, "big") + part)  # length-prefixed: no ambiguous joins
        signed.update(canonical_data(data))
        return signed.hexdigest()
