"""Synthetic training and production data sets with drift injected into chosen features."""

from __future__ import annotations

import numpy as np

from functions.stats import CategoricalProfile, NumericalProfile, Profile

COLORS = np.array(["red", "green", "blue", "black"])
NUMERICAL = ("shifted", "lognormal", "uniform", "counts", "heavy_tail")
CATEGORICAL = ("color", "level", "flag")
DRIFTED = ("shifted", "color")


def columns(rng: np.random.Generator, n: int, drift: bool) -> dict[str, np.ndarray]:
    """8 columns; with `drift`, `shifted` moves by 0.5 std and `color` frequencies reverse."""
    return {
        "shifted": rng.normal(10.0, 2.0, n) + (1.0 if drift else 0.0),
        "lognormal": rng.lognormal(0.0, 1.0, n),
        "uniform": rng.uniform(0.0, 1.0, n),
        "counts": rng.poisson(3.0, n).astype(np.float64),
        "heavy_tail": rng.standard_t(2.0, n),
        "color": COLORS[rng.choice(4, n, p=[0.1, 0.2, 0.3, 0.4] if drift else [0.4, 0.3, 0.2, 0.1])],
        "level": rng.choice([1, 2, 3], n),
        "flag": rng.random(n) < 0.3,
    }


def profile(values: np.ndarray, like: Profile | None = None, chunk: int = 10_000) -> Profile:
    if like is not None:
        result = like.empty_like()
    else:
        result = NumericalProfile() if values.dtype.kind == "f" else CategoricalProfile()
    for start in range(0, max(values.size, 1), chunk):
        result.update(values[start : start + chunk])
    return result


def training_and_production(seed: int, n_training: int, n_production: int,
                            drifted: tuple[str, ...] = DRIFTED) -> tuple[dict[str, Profile], dict[str, Profile]]:
    rng = np.random.default_rng(seed)
    training = {name: profile(values).with_reference_bins() for name, values in columns(rng, n_training, False).items()}
    plain, shifted = columns(rng, n_production, False), columns(rng, n_production, True)
    production = {name: profile(shifted[name] if name in drifted else values, training[name])
                  for name, values in plain.items()}
    return training, production
