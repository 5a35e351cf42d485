"""The drift benchmark's data: 20 numerical and 5 categorical columns, drift injected in 3.

Numpy only, so the peers' virtualenvs (Evidently) generate exactly the same rows from the same seeds.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

NUMERICAL = [f"num_{i:02d}" for i in range(20)]
CATEGORICAL = [f"cat_{i}" for i in range(5)]
DRIFTED = ("num_03", "num_11", "cat_2")
LABELS = np.array([f"label-{i}" for i in range(40)])


def _numerical(rng: np.random.Generator, index: int, n: int, drift: bool) -> np.ndarray:
    kind = index % 5
    if kind == 0:
        values = rng.normal(index, 1 + index / 10, n)
    elif kind == 1:
        values = rng.lognormal(0, 0.5, n)
    elif kind == 2:
        values = rng.uniform(-index, index + 1, n)
    elif kind == 3:
        values = rng.exponential(1 + index, n)
    else:
        values = rng.standard_t(4, n)
    if drift and index == 3:
        values = values + 0.3 * np.std(values)
    if drift and index == 11:
        values = values.mean() + (values - values.mean()) * 1.5
    return values


def _categorical(rng: np.random.Generator, index: int, n: int, drift: bool) -> np.ndarray:
    size = 5 + 8 * index
    weights = 1.0 / np.arange(1, size + 1)
    if drift and index == 2:
        weights = weights[::-1]
    return LABELS[rng.choice(size, n, p=weights / weights.sum())]


def chunks(rows: int, chunk: int, seed: int, drift: bool) -> Iterator[dict[str, np.ndarray]]:
    """The data set, one chunk of all columns at a time (never whole in memory)."""
    for number, start in enumerate(range(0, rows, chunk)):
        rng = np.random.default_rng([seed, number, int(drift)])
        n = min(chunk, rows - start)
        columns = {name: _numerical(rng, i, n, drift and name in DRIFTED) for i, name in enumerate(NUMERICAL)}
        columns.update({name: _categorical(rng, i, n, drift and name in DRIFTED) for i, name in enumerate(CATEGORICAL)})
        yield columns


def frame_columns(rows: int, chunk: int, seed: int, drift: bool) -> dict[str, np.ndarray]:
    """The whole data set as one array per column (for tools that need it all in memory)."""
    parts = list(chunks(rows, chunk, seed, drift))
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
