"""The one base class every model runtime implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

from protos.contract import Contract


class Runtime(ABC):
    """Serves one model: `load()` once, then `predict()` from many threads.

    `model_path` is the model's payload folder (Hydrosphere's `/model/files`): what the user
    uploaded, and the model's working directory. `contract` is the model's signature; inputs
    arriving at `predict` have already been decoded and validated against it, and outputs are
    validated against it afterwards (see `runtimes.dataplane`).
    """

    rows_independent: bool = False
    """True when each output row depends only on the same input row, so concurrent requests may
    share one `predict` call (`runtimes.batching`). False when unknown, as for user code."""

    batching_pays: bool = True
    """False when, once loaded, a `predict` call costs so little beyond its rows that merging
    concurrent calls (which parks each caller's thread and wakes it again) costs more than it
    saves, as for a linear model computed by `runtimes.linear`. Consulted after `load()`."""

    def __init__(self, model_path: Path, contract: Contract) -> None:
        self.model_path = model_path
        self.contract = contract

    @abstractmethod
    def load(self) -> None:
        """Load the model into memory; raise `ModelLoadError` with the reason when it cannot be."""

    @abstractmethod
    def predict(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Compute the outputs for one request: field name -> array, as the contract declares."""
