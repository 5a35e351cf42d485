"""KL confidence bounds for Bernoulli means and KL-LUCB top-m arm identification.

Kaufmann & Kalyanakrishnan (2013), "Information complexity in bandit subset selection": an arm's
bounds are the means q whose KL divergence from the empirical mean p is at most beta / n; KL-LUCB
repeatedly samples the weakest arm of the current top m and the strongest challenger until their
bounds are within epsilon. The Anchors paper uses it to find the most precise candidates. Here
each round also samples the other arms still contested, all in one model call (see `_contested`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

_EPS = 1e-12
_ITERATIONS = 40


class ArmStats(Protocol):
    n: int
    hits: int


def kl_bernoulli(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    q = np.clip(q, _EPS, 1 - _EPS)
    return np.asarray(p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q)))


def kl_upper(mean: np.ndarray, level: np.ndarray) -> np.ndarray:
    """The largest q >= mean with KL(mean, q) <= level (bisection, vectorised)."""
    mean = np.asarray(mean, dtype=float)
    low, high = mean.copy(), np.ones_like(mean)
    for _ in range(_ITERATIONS):
        middle = (low + high) / 2
        inside = kl_bernoulli(mean, middle) <= level
        low = np.where(inside, middle, low)
        high = np.where(inside, high, middle)
    return low


def kl_lower(mean: np.ndarray, level: np.ndarray) -> np.ndarray:
    """The smallest q <= mean with KL(mean, q) <= level."""
    mean = np.asarray(mean, dtype=float)
    low, high = np.zeros_like(mean), mean.copy()
    for _ in range(_ITERATIONS):
        middle = (low + high) / 2
        inside = kl_bernoulli(mean, middle) <= level
        high = np.where(inside, middle, high)
        low = np.where(inside, low, middle)
    return high


def exploration_rate(n_arms: int, rounds: int, delta: float) -> float:
    """beta(t, delta) = log(k1 * K * t^alpha / delta), alpha = 1.1, k1 = 405.5 (the paper's constants)."""
    return float(np.log(405.5 * n_arms * rounds**1.1 / delta))


def kl_lucb(
    arms: Sequence[ArmStats],
    pull: Callable[[list[int]], None],
    m: int,
    epsilon: float,
    delta: float,
    exhausted: Callable[[], bool],
    arms_per_round: int = 2,
) -> list[int]:
    """Indices of the `m` arms with the highest means, sampling through `pull(indices)` as needed.

    Each round pulls at most `arms_per_round` arms (at least the two KL-LUCB picks) together.
    Every arm must have been pulled at least once. Stops early when `exhausted()` says the
    sampling budget is spent, returning the current top m.
    """
    rounds = 1
    while True:
        n = np.array([arm.n for arm in arms], dtype=float)
        means = np.array([arm.hits for arm in arms], dtype=float) / n
        order = np.argsort(-means, kind="stable")
        top, rest = order[:m], order[m:]
        if rest.size == 0 or exhausted():
            return [int(i) for i in top]
        beta = exploration_rate(len(arms), rounds, delta)
        upper = kl_upper(means[rest], beta / n[rest])
        lower = kl_lower(means[top], beta / n[top])
        if upper.max() - lower.min() <= epsilon:
            return [int(i) for i in top]
        pull(_contested(top, rest, lower, upper, arms_per_round))
        rounds += 1


def _contested(top: np.ndarray, rest: np.ndarray, lower: np.ndarray, upper: np.ndarray, limit: int) -> list[int]:
    """KL-LUCB's two arms (the weakest of the top, the strongest challenger) plus, up to `limit`
    arms in all, the others whose intervals overlap the gap between them, most contested first.
    Sampling them in the same round leaves the stopping rule (and its guarantee) unchanged but
    takes fewer rounds, i.e. fewer model calls."""
    weakest, challenger = lower.min(), upper.max()
    overlap = [(challenger - low, int(i)) for i, low in zip(top, lower, strict=True) if low < challenger]
    overlap += [(high - weakest, int(i)) for i, high in zip(rest, upper, strict=True) if high > weakest]
    chosen = [int(top[np.argmin(lower)]), int(rest[np.argmax(upper)])]
    chosen += [i for _gap, i in sorted(overlap, key=lambda item: -item[0])]
    return list(dict.fromkeys(chosen))[: max(limit, 2)]
