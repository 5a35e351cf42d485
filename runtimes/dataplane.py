"""The transport-free core of a prediction: decode, validate, infer, check, encode.

`DataPlane.predict` takes the request's Tensor map and returns the response's Tensor map;
transports (the gRPC servicer today) only unwrap their message and map `HydroRuntimeError` to
their status codes.

The model is reached through `infer`, a plain `Infer` callable (by default the runtime's
`predict`). That is the seam for adaptive batching: a batcher that merges concurrent single-row
requests into one `Runtime.predict` call and splits the result is itself an `Infer`, so it
wraps the runtime here and neither the adapters nor the runtimes change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from protos.codec import arrays_to_tensors
from protos.contract import Contract
from protos.errors import InvalidInput
from protos.hydrosphere.serving.contract.tensor_pb2 import Tensor
from protos.validation import decode_tensor_inputs, validate_arrays
from runtimes.errors import HydroRuntimeError, InvalidRequest, ModelError

logger = logging.getLogger(__name__)

Infer = Callable[[dict[str, np.ndarray]], Mapping[str, Any]]


def model_identity(name: str, version: int | None) -> tuple[tuple[str, str], ...]:
    """gRPC metadata a runtime sends with every answer: behind a weighted Route, it is how the
    caller (the gateway) learns which model version actually answered."""
    identity = (("hydro-model", name),)
    return identity if version is None else (*identity, ("hydro-model-version", str(version)))


class DataPlane:
    """Serves predictions of one model version against its contract."""

    def __init__(self, contract: Contract, infer: Infer, identity: tuple[tuple[str, str], ...] = (),
                 batched: bool = False) -> None:
        self.contract = contract
        self._infer = infer
        self.identity = identity
        """Response metadata naming the model version that answered (see `model_identity`)."""
        self.batched = batched
        """True when `infer` merges concurrent calls, each caller's thread waiting for its rows."""

    def predict(self, tensors: Mapping[str, Tensor]) -> dict[str, Tensor]:
        """Request Tensors -> response Tensors. `InvalidRequest` for a request that breaks the
        contract, `ModelError` when the model raises or its outputs break the contract."""
        outputs = self.infer(self.decode(tensors))
        try:
            return arrays_to_tensors(outputs, self.contract.outputs)
        except InvalidInput as exc:
            raise ModelError(f"model output '{exc.field}' cannot be encoded: {exc}") from exc

    def decode(self, tensors: Mapping[str, Tensor]) -> dict[str, np.ndarray]:
        """The request's inputs as arrays of the contract's dtypes and shapes."""
        try:
            return decode_tensor_inputs(tensors, self.contract)
        except InvalidInput as exc:
            raise InvalidRequest(str(exc), field=exc.field) from exc

    def infer(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Run the model on validated inputs and check its outputs against the contract."""
        try:
            outputs = self._infer(inputs)
        except HydroRuntimeError:
            raise
        except Exception as exc:
            logger.exception("model %s raised", self.contract.name)
            raise ModelError(f"model raised {type(exc).__name__}: {exc}") from exc
        return self.check_outputs(outputs)

    def check_outputs(self, outputs: Any) -> dict[str, np.ndarray]:
        """The declared outputs, cast to their declared types; `ModelError` names a bad one."""
        if not isinstance(outputs, Mapping):
            raise ModelError(f"model returned {type(outputs).__name__}, expected a mapping of outputs")
        missing = [f.name for f in self.contract.outputs if f.name not in outputs]
        if missing:
            raise ModelError(f"model output '{missing[0]}' is missing; the contract declares it")
        declared = {f.name: outputs[f.name] for f in self.contract.outputs}
        try:
            return validate_arrays(declared, self.contract.outputs)
        except InvalidInput as exc:
            raise ModelError(f"model output '{exc.field}': expected {exc.expected}, got {exc.got}") from exc
