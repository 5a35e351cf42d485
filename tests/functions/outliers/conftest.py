"""Synthetic training data (numerical and categorical columns) and detectors trained on it."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from functions.outliers import Detector, TrainingSettings, train_from_csv
from protos.contract import Contract

HEADER = ("age", "income", "hours", "city", "grade", "note")
CITIES = ("paris", "berlin", "rome", "oslo")
CONTRACT = Contract.from_dict({
    "name": "predict",
    "inputs": {
        "age": {"shape": "scalar", "type": "double", "profile": "numerical"},
        "income": {"shape": "scalar", "type": "double"},
        "hours": {"shape": "scalar", "type": "int64"},
        "city": {"shape": "scalar", "type": "string", "profile": "categorical"},
        "grade": {"shape": "scalar", "type": "int64", "profile": "categorical"},
        "photo": {"shape": [28, 28], "type": "double", "profile": "image"},
    },
    "outputs": {"y": {"shape": "scalar", "type": "double"}},
})
TRAINING_ROWS = 4000


def people(rows: int, seed: int) -> dict[str, np.ndarray]:
    """Inliers: income follows age; skewed city shares; three grades."""
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 10, rows)
    return {
        "age": age,
        "income": age * 1000 + rng.normal(0, 3000, rows),
        "hours": rng.integers(30, 50, rows),
        "city": rng.choice(np.array(CITIES, dtype=object), rows, p=[0.4, 0.3, 0.2, 0.1]),
        "grade": rng.integers(1, 4, rows),
    }


def far_outliers(rows: int, seed: int) -> dict[str, np.ndarray]:
    """Rows far from the training data: ages 7 to 12 standard deviations away, typical income."""
    rng = np.random.default_rng(seed)
    data = people(rows, seed)
    data["age"] = 40 + rng.choice([-1, 1], rows) * rng.uniform(70, 120, rows)
    data["income"] = rng.normal(40_000, 3000, rows)
    return data


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def people_csv(path: Path, rows: int, seed: int) -> Path:
    data = people(rows, seed)
    table = zip(*(data[name] for name in HEADER[:-1]), ["free text"] * rows, strict=True)
    return write_csv(path, HEADER, list(table))


@pytest.fixture(scope="session")
def training_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return people_csv(tmp_path_factory.mktemp("outliers") / "people.csv", TRAINING_ROWS, seed=0)


@pytest.fixture(scope="session")
def detector(training_csv: Path) -> Detector:
    return train_from_csv(training_csv, CONTRACT, TrainingSettings(seed=0))


def rows_of(data: dict[str, np.ndarray], indexes: Sequence[int]) -> list[dict[str, Any]]:
    """Single requests as the runtime passes them: one 0-d array per input."""
    return [{name: np.asarray(values[i]) for name, values in data.items()} for i in indexes]
