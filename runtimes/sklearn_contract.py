"""How a model contract maps onto a scikit-learn estimator's X, methods and outputs. No I/O.

Inputs (`InputLayout`):
- one input field of 2-d shape `[-1, n]` is X itself (`matrix`);
- otherwise every input field is one feature column, in contract order: all fields scalar ->
  one row, and the outputs are scalars too (`row`); all fields 1-d (`[-1]`) -> one column each
  (`columns`). Any other mix is rejected when the model loads.

Outputs, by field name (case-insensitive, `method_for`):
- `predict_proba`, `probabilities`, `proba` -> `estimator.predict_proba(X)`
- `decision_function`, `scores` -> `estimator.decision_function(X)`
- any other name -> `estimator.predict(X)`

`check_estimator` compares the contract with the estimator when the model loads: input width
vs `n_features_in_`, that each needed method exists, and `classes_` vs a fixed output width.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from protos.contract import Contract, Field
from runtimes.errors import InvalidRequest, ModelLoadError

PROBA = "predict_proba"
DECISION = "decision_function"
PREDICT = "predict"
_METHODS = {
    "predict_proba": PROBA,
    "probabilities": PROBA,
    "proba": PROBA,
    "decision_function": DECISION,
    "scores": DECISION,
}


def method_for(output_name: str) -> str:
    """The estimator method that computes the output field called `output_name`."""
    return _METHODS.get(output_name.lower(), PREDICT)


@dataclass(frozen=True)
class InputLayout:
    """How the request's input arrays become the 2-d X (see the module docstring)."""

    kind: Literal["matrix", "columns", "row"]
    fields: tuple[str, ...]
    width: int

    @property
    def scalar(self) -> bool:
        """True when a request is one row of scalars, so its outputs are one row's values."""
        return self.kind == "row"

    @classmethod
    def from_contract(cls, contract: Contract) -> InputLayout:
        """Classify the contract's inputs; `ModelLoadError` when they fit no layout."""
        inputs = contract.inputs
        names = tuple(f.name for f in inputs)
        if len(inputs) == 1 and inputs[0].shape is not None and len(inputs[0].shape) == 2:
            return cls("matrix", names, inputs[0].shape[1])
        if all(f.is_scalar for f in inputs):
            return cls("row", names, len(inputs))
        if all(f.shape is not None and len(f.shape) == 1 for f in inputs):
            return cls("columns", names, len(inputs))
        shapes = ", ".join(f"{f.name}: {f.shape_text()}" for f in inputs)
        raise ModelLoadError(
            "sklearn runtime: inputs must be one [-1, n] field, or all scalar fields, or all [-1] "
            f"fields (one feature column each); got {shapes}"
        )

    def assemble(self, inputs: Mapping[str, np.ndarray]) -> np.ndarray:
        """Build X from validated input arrays."""
        if self.kind == "matrix":
            return np.asarray(inputs[self.fields[0]])
        columns = [np.asarray(inputs[name]).reshape(-1) for name in self.fields]
        rows = len(columns[0])
        for name, column in zip(self.fields, columns, strict=True):
            if len(column) != rows:
                raise InvalidRequest(
                    f"field '{name}': expected {rows} values like field '{self.fields[0]}', "
                    f"got {len(column)}",
                    field=name,
                )
        if len({column.dtype.kind for column in columns}) == 1:
            return np.column_stack(columns)
        # Mixed kinds (strings next to numbers) stay as objects rather than all becoming strings.
        matrix = np.empty((rows, len(columns)), dtype=object)
        for index, column in enumerate(columns):
            matrix[:, index] = column
        return matrix


def check_estimator(estimator: Any, contract: Contract, layout: InputLayout) -> None:
    """Fail loading (`ModelLoadError`) when the contract cannot work with this estimator."""
    label = type(estimator).__name__
    n_features = getattr(estimator, "n_features_in_", None)
    if n_features is not None and int(n_features) != layout.width:
        raise ModelLoadError(
            f"sklearn runtime: the contract gives {layout.width} input feature(s) "
            f"({', '.join(layout.fields)}), but the {label} was fitted on {int(n_features)}"
        )
    for output in contract.outputs:
        method = method_for(output.name)
        if not callable(getattr(estimator, method, None)):
            raise ModelLoadError(
                f"sklearn runtime: output '{output.name}' needs {label}.{method}(), "
                "which this estimator lacks"
            )
        _check_output_shape(output, _row_width(estimator, method), layout, label)


def _row_width(estimator: Any, method: str) -> int | None:
    """Values per row that `method` returns, when the estimator tells; None for one value per row."""
    classes = getattr(estimator, "classes_", None)
    if classes is None or method == PREDICT:
        return None
    n_classes = len(classes) if np.ndim(classes) == 1 else None
    if n_classes is None:
        return None
    if method == DECISION and n_classes == 2:
        return None  # binary decision_function gives one score per row
    return n_classes


def _check_output_shape(output: Field, width: int | None, layout: InputLayout, label: str) -> None:
    shape = output.shape or ()
    if not layout.scalar and not shape:
        raise ModelLoadError(
            f"sklearn runtime: output '{output.name}' is a scalar but the inputs are batched; "
            "declare it with shape [-1] (or [-1, n])"
        )
    per_row = shape if layout.scalar else shape[1:]
    if width is None or output.dtype is None:
        return
    fixed = [dim for dim in per_row if dim != -1]
    if len(per_row) != 1 or (fixed and fixed[0] != width):
        expected = f"[{width}]" if layout.scalar else f"[-1, {width}]"
        raise ModelLoadError(
            f"sklearn runtime: output '{output.name}' has shape {output.shape_text()}, but the {label} "
            f"has {width} classes, so {method_for(output.name)} gives shape {expected}"
        )
