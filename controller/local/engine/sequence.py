"""A Knative Sequence run by the engine: steps in order, the last reply to the Broker.

Each step gets the previous step's reply event (binary CloudEvent POST). A step that fails
transiently (5xx, timeout, refused) makes the whole Sequence answer 502 so the Broker retries
the delivery; a step refusing the event (4xx) makes it answer that 4xx with the step's reason.
The Sequence answers 202 and no event: its result goes to `spec.reply`, not back to the caller
(the Broker would otherwise publish it twice). A step's own `delivery` spec is not applied: the
Broker's retries of the whole delivery stand in for per-step retries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from cloudevents.core.base import BaseCloudEvent

from controller.local.broker.event_store import EventStoreError
from controller.local.broker.subscriber import Outcome, send
from protos.http_post import PostClient

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SequenceRoute:
    """A Sequence with its steps resolved to URLs."""

    name: str
    namespace: str
    steps: tuple[str, ...]
    reply_uri: str | None = None
    reply_to_broker: bool = False
    """The reply goes to the engine's own Broker (published directly, not over HTTP)."""

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class SequenceResult:
    status: int
    message: str = ""


class SequenceRunner:
    """Runs Sequences; `publish` stores an event in the engine's Broker."""

    def __init__(self, publish: Callable[[BaseCloudEvent], object], timeout: float) -> None:
        self._publish = publish
        self._client = PostClient(timeout)

    def run(self, sequence: SequenceRoute, event: BaseCloudEvent) -> SequenceResult:
        current = event
        for index, url in enumerate(sequence.steps):
            outcome = send(self._client, url, current)
            if not outcome.ok:
                return _step_failed(sequence, index, outcome)
            if outcome.reply is None:
                logger.info("sequence %s: step %d answered without an event; the sequence ends there",
                            sequence.key, index)
                return SequenceResult(202, f"step {index} answered without an event")
            current = outcome.reply
        return self._reply(sequence, current)

    def _reply(self, sequence: SequenceRoute, event: BaseCloudEvent) -> SequenceResult:
        if sequence.reply_to_broker:
            try:
                self._publish(event)
            except EventStoreError as exc:
                return SequenceResult(503, f"sequence {sequence.key}: the reply could not be stored: {exc}")
        elif sequence.reply_uri is not None:
            outcome = send(self._client, sequence.reply_uri, event)
            if not outcome.ok:
                return SequenceResult(502, f"sequence {sequence.key}: reply destination failed: {outcome.error}")
        return SequenceResult(202)

    def close(self) -> None:
        self._client.close()


def _step_failed(sequence: SequenceRoute, index: int, outcome: Outcome) -> SequenceResult:
    message = f"sequence {sequence.key}: step {index} failed: {outcome.error}"
    logger.warning(message)
    if outcome.status is not None and 400 <= outcome.status < 500:
        return SequenceResult(outcome.status, message)
    return SequenceResult(502, message)
