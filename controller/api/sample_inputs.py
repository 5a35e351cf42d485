"""Random, contract-valid JSON inputs for an application (`generateInputs`).

Values follow each field's dtype (within the type's range) and shape; a variable first dimension
(-1) gets one row, so the sample is the smallest valid batch.
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from protos import dtypes
from protos.contract import Contract, Field
from protos.hydrosphere.serving.contract import types_pb2

_SMALL_INT_RANGE = 100


def generate_inputs(contract: Contract, rng: random.Random | None = None) -> dict[str, Any]:
    """One request body `{input name: value}` that satisfies `contract`."""
    rng = rng or random.Random()
    return {field.name: sample_field(field, rng) for field in contract.inputs}


def sample_field(field: Field, rng: random.Random) -> Any:
    shape = tuple(1 if dim == -1 else dim for dim in field.shape or ())
    return _nested(shape, lambda: _scalar(field, rng))


def _nested(shape: Sequence[int], make: Any) -> Any:
    if not shape:
        return make()
    return [_nested(shape[1:], make) for _ in range(shape[0])]


def _scalar(field: Field, rng: random.Random) -> Any:
    if field.dtype is None:
        return {sub.name: sample_field(sub, rng) for sub in field.subfields}
    info = dtypes.from_proto(field.dtype)
    if field.dtype == types_pb2.DT_BOOL:
        return rng.random() < 0.5
    if field.dtype == types_pb2.DT_STRING:
        return "".join(rng.choices(string.ascii_lowercase, k=8))
    if info.numpy.kind == "c":
        return [round(rng.uniform(-1, 1), 6), round(rng.uniform(-1, 1), 6)]
    if info.numpy.kind == "f":
        return round(rng.uniform(-1, 1), 4)
    bounds = np.iinfo(info.numpy)
    low, high = max(int(bounds.min), -_SMALL_INT_RANGE), min(int(bounds.max), _SMALL_INT_RANGE)
    return rng.randint(low, high)
