"""Metric checks: a MetricSpec's metric model scores a request, its `value` is compared with the
spec's threshold.

The metric model is found in the routing table's servables by model version id and called over
gRPC directly (never through the gateway, so metric calls are never monitored themselves). It gets
the fields its contract declares, taken from the request inputs and response outputs. A metric model
that is not deployed or cannot be reached yields an `unavailable` result, never a failed event; after
such a failure the model is not called again for a cool-down period, so every request is not held
up by a dead metric model.
"""

from __future__ import annotations

import math
import operator
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from functions.gateway.errors import GatewayError, NotReady, UpstreamTimeout, UpstreamUnavailable
from functions.gateway.routing import Servable
from functions.gateway.routing_source import RoutingSource
from functions.gateway.upstream import Upstream
from functions.monitoring.manager import MetricSpecInfo
from protos import codec, validation
from protos.contract import Contract
from protos.errors import InvalidInput

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "Eq": operator.eq, "NotEq": operator.ne, "Greater": operator.gt, "GreaterEq": operator.ge,
    "Less": operator.lt, "LessEq": operator.le,
}
OK, UNAVAILABLE, ERROR = "ok", "unavailable", "error"


@dataclass(frozen=True)
class MetricResult:
    """One metric spec's verdict on one request. `passed` is None when the spec has no threshold
    or the value could not be computed (`status` then says why)."""

    spec_id: str
    name: str
    metric_version_id: int
    status: str
    value: float | None = None
    threshold: float | None = None
    comparison: str | None = None
    passed: bool | None = None
    message: str | None = None

    @property
    def failed(self) -> bool:
        return self.passed is False

    def to_json(self) -> dict[str, Any]:
        return {"check": self.passed, "description": self.name, "value": self.value, "threshold": self.threshold,
                "comparison": self.comparison, "metricSpecId": self.spec_id,
                "metricVersionId": self.metric_version_id, "status": self.status, "message": self.message}

    def failure(self) -> dict[str, Any]:
        return {"metric": self.name, "value": self.value, "threshold": self.threshold,
                "comparison": self.comparison,
                "message": f"{self.name} = {self.value:g} does not satisfy {self.comparison} {self.threshold:g}"}


def compare(value: float, threshold: float | None, comparison: str | None) -> bool | None:
    """Whether `value <comparison> threshold` holds (healthy); None without a threshold."""
    if threshold is None or comparison is None or comparison not in COMPARISONS:
        return None
    return COMPARISONS[comparison](value, threshold)


class MetricCaller:
    def __init__(self, routing: RoutingSource, upstream: Upstream, *, timeout_s: float, cooldown_s: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.routing = routing
        self.upstream = upstream
        self.timeout_s = timeout_s
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._down: dict[int, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def evaluate(self, spec: MetricSpecInfo, values: Mapping[str, Any], request_id: str) -> MetricResult:
        """The spec's result for a request whose fields are `values`; never raises."""
        def result(status: str, message: str, value: float | None = None) -> MetricResult:
            passed = None if value is None else compare(value, spec.threshold, spec.operator)
            return MetricResult(spec.id, spec.name, spec.metric_version_id, status, value, spec.threshold,
                                spec.operator, passed, message or None)

        down = self._cooling(spec.metric_version_id)
        if down is not None:
            return result(UNAVAILABLE, down)
        servable = self._servable(spec.metric_version_id)
        if servable is None:
            return result(UNAVAILABLE, f"metric model version {spec.metric_version_id} is not deployed")
        try:
            tensors = codec.arrays_to_tensors(_inputs(servable.contract, values), servable.contract.inputs)
            answer = self.upstream.predict(servable.grpc_target, tensors, request_id=request_id,
                                           timeout=self.timeout_s, where=f"metric model {servable.label}")
            return result(OK, "", _value(answer.outputs, servable.label))
        except (UpstreamUnavailable, UpstreamTimeout, NotReady) as error:
            self._cool_down(spec.metric_version_id, error.message)
            return result(UNAVAILABLE, error.message)
        except (GatewayError, InvalidInput, ValueError) as error:
            return result(ERROR, str(error))

    def _servable(self, version_id: int) -> Servable | None:
        for attempt in range(2):
            table = self.routing.table
            if table is not None:
                found = next((s for s in table.servables.values() if s.model_version_id == version_id), None)
                if found is not None:
                    return found
            if attempt == 0:
                self.routing.refresh()  # rate-limited: a new servable is found at once, a missing one is cheap
        return None

    def _cooling(self, version_id: int) -> str | None:
        entry = self._down.get(version_id)
        if entry is None or self._clock() >= entry[0]:
            return None
        return f"metric model version {version_id} was unreachable moments ago ({entry[1]}); not called"

    def _cool_down(self, version_id: int, message: str) -> None:
        with self._lock:
            self._down[version_id] = (self._clock() + self.cooldown_s, message)


def _inputs(contract: Contract, values: Mapping[str, Any]) -> dict[str, np.ndarray]:
    missing = [f.name for f in contract.inputs if f.name not in values]
    if missing:
        raise ValueError(f"the request has no field {missing[0]!r}, which the metric model's contract needs")
    return validation.decode_json_inputs({f.name: values[f.name] for f in contract.inputs}, contract)


def _value(outputs: Mapping[str, Any], label: str) -> float:
    if "value" not in outputs:
        raise ValueError(f"metric model {label} answered without a 'value' output")
    array = np.asarray(codec.tensor_to_array(outputs["value"], "value"), dtype=np.float64).ravel()
    if array.size == 0 or not math.isfinite(float(array[0])):
        raise ValueError(f"metric model {label} answered a 'value' that is not a finite number")
    return float(array[0])
