"""Exact streaming central moments (count, mean, M2, M3, M4) with a numerically stable merge.

Each chunk's moments are computed two-pass around the chunk's own mean, then combined with the
pairwise update formulas of Chan, Golub and LeVeque (1979) extended to the third and fourth
moments by Pébay (2008). Merging in any order gives the moments of the concatenation up to
floating-point rounding, without the catastrophic cancellation of sums of powers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from functions.stats.errors import BadProfile


@dataclass(frozen=True)
class Moments:
    """n, mean and the central moment sums M2 = sum (x - mean)^2, M3, M4."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    m3: float = 0.0
    m4: float = 0.0

    @classmethod
    def of(cls, values: np.ndarray) -> Moments:
        """Moments of one chunk of finite values."""
        if values.size == 0:
            return cls()
        mean = float(values.mean())
        deviations = values - mean
        squares = deviations * deviations
        return cls(values.size, mean, float(squares.sum()), float((squares * deviations).sum()),
                   float((squares * squares).sum()))

    def merge(self, other: Moments) -> Moments:
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        na, nb = float(self.n), float(other.n)
        n = na + nb
        delta = other.mean - self.mean
        delta_n = delta / n
        mean = self.mean + delta_n * nb
        m2 = self.m2 + other.m2 + delta * delta_n * na * nb
        m3 = (self.m3 + other.m3 + delta * delta_n**2 * na * nb * (na - nb)
              + 3.0 * delta_n * (na * other.m2 - nb * self.m2))
        m4 = (self.m4 + other.m4 + delta * delta_n**3 * na * nb * (na * na - na * nb + nb * nb)
              + 6.0 * delta_n**2 * (na * na * other.m2 + nb * nb * self.m2)
              + 4.0 * delta_n * (na * other.m3 - nb * self.m3))
        return Moments(self.n + other.n, mean, m2, m3, m4)

    @property
    def variance(self) -> float | None:
        """Sample variance (n - 1 in the denominator); None below two values, 0 for a constant."""
        if self.n < 2:
            return None
        return self.m2 / (self.n - 1) if self._varies() else 0.0

    @property
    def std(self) -> float | None:
        variance = self.variance
        return math.sqrt(variance) if variance is not None else None

    @property
    def skewness(self) -> float | None:
        """Biased sample skewness g1 (scipy.stats.skew's default); None when the variance is 0."""
        if self.n < 2 or not self._varies():
            return None
        return _ratio(math.sqrt(self.n) * self.m3 / self.m2, math.sqrt(self.m2))

    @property
    def kurtosis(self) -> float | None:
        """Biased excess kurtosis g2 (scipy.stats.kurtosis's default); None when the variance is 0."""
        if self.n < 2 or not self._varies():
            return None
        ratio = _ratio(self.n * self.m4 / self.m2, self.m2)
        return None if ratio is None else ratio - 3.0

    def _varies(self) -> bool:
        # Rounding leaves M2 a few ulps above 0 for a constant stream; relative to the mean's scale
        # that is no variation at all, and dividing by it would give huge, meaningless moments.
        scale = max(abs(self.mean), 1e-300)
        return self.m2 / self.n > (scale * 1e-14) ** 2

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "mean": self.mean, "m2": self.m2, "m3": self.m3, "m4": self.m4}

    @classmethod
    def from_dict(cls, data: Any) -> Moments:
        try:
            return cls(int(data["n"]), float(data["mean"]), float(data["m2"]), float(data["m3"]), float(data["m4"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise BadProfile("moments", f"expected {{n, mean, m2, m3, m4}}: {exc}") from None


def _ratio(numerator: float, denominator: float) -> float | None:
    # Spreads near the smallest floats (~1e-150 and below) underflow in the powers; no answer
    # beats a wrong one.
    if denominator == 0.0:
        return None
    value = numerator / denominator
    return value if math.isfinite(value) else None
