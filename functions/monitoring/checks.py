"""Raw checks, as Hydrosphere's sonar does them: every numerical scalar field of a request (inputs
and outputs) against the minimum and maximum of its training profile. Pure: no I/O.

Each checked field gets two checks, `< max` (value <= training max) and `> min` (value >= training
min); a field without a training numerical profile, or whose value is not a number, gets none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MAX_CHECK = "< max"
MIN_CHECK = "> min"


@dataclass(frozen=True)
class Bounds:
    """A field's training range."""

    minimum: float
    maximum: float


@dataclass(frozen=True)
class Check:
    passed: bool
    description: str
    value: float
    threshold: float

    def to_json(self) -> dict[str, Any]:
        """Hydrosphere's check document."""
        return {"check": self.passed, "description": self.description, "value": self.value,
                "threshold": self.threshold, "metricSpecId": None}

    def failure(self, field: str) -> dict[str, Any]:
        """The check as an alert's failure entry."""
        above = self.description == MAX_CHECK
        side = "maximum" if above else "minimum"
        return {"field": field, "value": self.value, "threshold": self.threshold,
                "comparison": "LessEq" if above else "GreaterEq",
                "message": f"{field} = {self.value:g} is {'above' if above else 'below'} the training "
                           f"{side} {self.threshold:g}"}


def raw_checks(values: Mapping[str, Any], bounds: Mapping[str, Bounds]) -> dict[str, list[Check]]:
    """Checks per field name, for every field that has bounds and a numerical scalar value."""
    out: dict[str, list[Check]] = {}
    for field, limits in bounds.items():
        value = scalar_number(values.get(field))
        if value is None:
            continue
        out[field] = [Check(value <= limits.maximum, MAX_CHECK, value, limits.maximum),
                      Check(value >= limits.minimum, MIN_CHECK, value, limits.minimum)]
    return out


def scalar_number(value: Any) -> float | None:
    """A finite number, or None for anything else (missing, text, a list, NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def score(checks: Iterable[Check]) -> float | None:
    """The share of checks that passed; None when there are none."""
    results = [check.passed for check in checks]
    return sum(results) / len(results) if results else None


def failures(checks: Mapping[str, list[Check]]) -> list[dict[str, Any]]:
    return [check.failure(field) for field, items in checks.items() for check in items if not check.passed]
