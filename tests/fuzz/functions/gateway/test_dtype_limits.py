"""Every contract dtype at and past its limits, through the real gateway to a real runtime, as
Hydrosphere JSON and as OIP v2: in range answers 200 with the value echoed, anything else 400
naming the field; never 5xx."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st

from functions.gateway.oip import OIP_BY_PROTO
from protos import dtypes
from tests.fuzz.budget import fuzz_settings
from tests.fuzz.functions.gateway.conftest import APP, DTYPES, VALID_INPUTS

INTEGER_TYPES = DTYPES[:8]


def limits(dtype: str) -> tuple[int, int]:
    info = np.iinfo(np.dtype(dtype))
    return int(info.min), int(info.max)


def values(dtype: str) -> st.SearchStrategy[Any]:
    """Edge values for one dtype, and values of every other JSON kind."""
    edges: list[Any] = [float("nan"), float("inf"), -float("inf"), 1e308, 70000.0, 65504.0, -0.0, 0.5, True, False,
                        "", "x" * 10_000, "1", None, [], [1, 2], [[1]], {"a": 1}, 2**64, -(2**63) - 1]
    if dtype in INTEGER_TYPES:
        low, high = limits(dtype)
        edges += [low, high, low - 1, high + 1]
    return st.sampled_from(edges) | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=20)


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # JSON has no NaN/inf; the gateway sees the string (json.dumps would write NaN)
    return value


@pytest.mark.parametrize("dtype", DTYPES)
@fuzz_settings(12)
@given(data=st.data())
def test_hydrosphere_json(gateway_app: Flask, dtype: str, data: st.DataObject) -> None:
    value = data.draw(values(dtype))
    body = {**VALID_INPUTS, f"x_{dtype}": value}
    response = gateway_app.test_client().post(f"/gateway/application/{APP}", json=body)
    assert response.status_code in (200, 400), (value, response.status_code, response.get_data()[:300])
    if response.status_code == 400:
        assert response.get_json()["error"], response.get_data()


@pytest.mark.parametrize("dtype", DTYPES)
@fuzz_settings(12)
@given(data=st.data())
def test_oip_infer(gateway_app: Flask, dtype: str, data: st.DataObject) -> None:
    value = data.draw(values(dtype))
    shape = data.draw(st.sampled_from([[], [1], [2], [0]]))
    datatype = data.draw(st.sampled_from([*sorted(set(OIP_BY_PROTO.values())), "FP8", 7]))
    inputs = [{"name": f"x_{d}", "shape": [], "datatype": OIP_BY_PROTO[dtypes.from_alias(d).proto],
               "data": [VALID_INPUTS[f"x_{d}"]]} for d in DTYPES if d != dtype]
    inputs.append({"name": f"x_{dtype}", "shape": shape, "datatype": datatype, "data": [_json_safe(value)]})
    inputs.append({"name": "vector", "shape": [2], "datatype": "FP64", "data": [0.5, 1.5]})
    response = gateway_app.test_client().post(f"/v2/models/{APP}/infer", json={"inputs": inputs})
    assert response.status_code in (200, 400), (value, datatype, shape, response.get_data()[:300])


@pytest.mark.parametrize("dtype", INTEGER_TYPES)
def test_integer_limits_round_trip(gateway_app: Flask, dtype: str) -> None:
    low, high = limits(dtype)
    client = gateway_app.test_client()
    for value in (low, high):
        response = client.post(f"/gateway/application/{APP}", json={**VALID_INPUTS, f"x_{dtype}": value})
        assert response.status_code == 200 and response.get_json()[f"x_{dtype}"] == value, response.get_data()
    for value in (low - 1, high + 1):
        response = client.post(f"/gateway/application/{APP}", json={**VALID_INPUTS, f"x_{dtype}": value})
        assert response.status_code == 400 and response.get_json()["field"] == f"x_{dtype}", response.get_data()
