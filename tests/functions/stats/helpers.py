"""Comparing summaries and reports: structure and exact values equal, floats up to rounding."""

from __future__ import annotations

import math
from typing import Any


def assert_close(actual: Any, expected: Any, rel: float = 1e-9, path: str = "", abs_tol: float = 1e-12) -> None:
    """Recursive equality where floats may differ by `rel` (merge order changes float rounding)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), f"{path}: keys differ"
        for key in expected:
            assert_close(actual[key], expected[key], rel, f"{path}.{key}", abs_tol)
    elif isinstance(expected, list | tuple):
        assert isinstance(actual, list | tuple) and len(actual) == len(expected), f"{path}: lengths differ"
        for index, (left, right) in enumerate(zip(actual, expected, strict=True)):
            assert_close(left, right, rel, f"{path}[{index}]", abs_tol)
    elif isinstance(expected, float) and not isinstance(actual, bool):
        assert isinstance(actual, int | float), f"{path}: {actual!r} is not a number"
        assert math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_tol), f"{path}: {actual} != {expected}"
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"
