"""Calling a model version's Service for the algorithms: a batched `predict(columns) -> outputs`.

The Service is found in the routing table's servables by model version id and called over gRPC
(`Upstream`; `HYDRO_UPSTREAM` dials every Service through the local engine's activator). A
contract whose inputs all start with a -1 dimension takes a whole chunk of rows in one call; one
that declares a single row (scalar or fixed-shape inputs) gets one call per row, a few at a time,
and the answers are stacked back into one batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from functions.explainer.errors import Unexplainable
from functions.gateway.errors import GatewayError
from functions.gateway.routing import Servable
from functions.gateway.routing_source import RoutingSource
from functions.gateway.upstream import Upstream
from protos import codec
from protos.contract import Contract

Predict = Callable[[dict[str, np.ndarray]], Mapping[str, np.ndarray]]


def takes_batches(contract: Contract) -> bool:
    """Whether every input starts with a -1 (batch) dimension."""
    return all(f.shape and f.shape[0] == -1 for f in contract.inputs)


class ModelCaller:
    def __init__(self, routing: RoutingSource, upstream: Upstream, timeout_s: float, concurrency: int) -> None:
        self.routing = routing
        self.upstream = upstream
        self.timeout_s = timeout_s
        self.concurrency = concurrency

    def predict_for(self, version_id: int, contract: Contract, request_id: str) -> Predict:
        """The model version's `predict`; `Unexplainable` when it is not deployed."""
        servable = self._servable(version_id)
        if servable is None:
            raise Unexplainable(f"model version {version_id} is not deployed (no servable in the routing table); "
                                "deploy it to explain or project its predictions")

        def call(rows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            tensors = codec.arrays_to_tensors(rows, contract.inputs)
            try:
                answer = self.upstream.predict(servable.grpc_target, tensors, request_id=request_id,
                                               timeout=self.timeout_s, where=f"model {servable.label}")
            except GatewayError as error:
                raise RuntimeError(error.message) from None
            return codec.tensors_to_arrays(answer.outputs)

        if takes_batches(contract):
            return call
        return lambda batch: self._row_by_row(call, batch)

    def _row_by_row(self, call: Predict, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        count = len(next(iter(batch.values())))
        rows = [{name: column[i] for name, column in batch.items()} for i in range(count)]
        with ThreadPoolExecutor(min(self.concurrency, max(count, 1))) as pool:
            answers = list(pool.map(call, rows))
        if not answers:
            return {}
        return {name: np.stack([np.asarray(answer[name]) for answer in answers]) for name in answers[0]}

    def _servable(self, version_id: int) -> Servable | None:
        for attempt in range(2):
            table = self.routing.table
            if table is not None:
                found = [s for s in table.servables.values() if s.model_version_id == version_id]
                if found:
                    return found[0]
            if attempt == 0:
                try:
                    self.routing.refresh()
                except GatewayError:
                    return None
        return None
