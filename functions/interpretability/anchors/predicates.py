"""Anchor predicates: the instance's quantile bin (numerical) or value (categorical) per feature."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from functions.interpretability.features import FeatureSpec, numeric_value, scalar_value


@dataclass(frozen=True)
class Predicate:
    """One condition on one feature.

    `op` is "<=" or ">" (one bound in `values`), "between" (`values` = (low, high), meaning
    low < x <= high) or "==" (categorical, `values` = (value,)).
    """

    feature: str
    op: str
    values: tuple[Any, ...]

    def text(self) -> str:
        if self.op == "between":
            low, high = self.values
            return f"{_number(low)} < {self.feature} <= {_number(high)}"
        value = self.values[0]
        shown = _number(value) if self.op in ("<=", ">") else repr(value)
        return f"{self.feature} {self.op} {shown}"

    def holds(self, column: np.ndarray) -> np.ndarray:
        """A boolean per row of `column`; missing numbers (NaN) never satisfy a bound."""
        if self.op == "==":
            return np.asarray(np.asarray(column, dtype=object) == self.values[0], dtype=bool)
        numbers = np.asarray(column, dtype=float)
        with np.errstate(invalid="ignore"):
            if self.op == "<=":
                return numbers <= self.values[0]
            if self.op == ">":
                return numbers > self.values[0]
            return (numbers > self.values[0]) & (numbers <= self.values[1])

    def to_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "op": self.op, "values": list(self.values), "text": self.text()}


def instance_predicates(
    instance: Mapping[str, Any],
    columns: Mapping[str, np.ndarray],
    features: Sequence[FeatureSpec],
    quantiles: Sequence[float],
) -> list[Predicate]:
    """The candidate predicates, one per feature, in feature order."""
    predicates = []
    for feature in features:
        where = f"instance.{feature.name}"
        if feature.numerical:
            edges = _edges(columns[feature.name], quantiles)
            predicates.append(_bin_predicate(feature.name, numeric_value(instance[feature.name], where), edges))
        else:
            predicates.append(Predicate(feature.name, "==", (scalar_value(instance[feature.name], where),)))
    return predicates


def _edges(column: np.ndarray, quantiles: Sequence[float]) -> list[float]:
    numbers = np.asarray(column, dtype=float)
    numbers = numbers[np.isfinite(numbers)]
    if numbers.size == 0:
        return []
    return [float(edge) for edge in np.unique(np.quantile(numbers, sorted(quantiles)))]


def _bin_predicate(name: str, value: float, edges: list[float]) -> Predicate:
    if not edges:
        return Predicate(name, "==", (value,))
    index = int(np.searchsorted(edges, value, side="left"))
    if index == 0:
        return Predicate(name, "<=", (edges[0],))
    if index == len(edges):
        return Predicate(name, ">", (edges[-1],))
    return Predicate(name, "between", (edges[index - 1], edges[index]))


def _number(value: Any) -> str:
    return f"{float(value):.4g}"
