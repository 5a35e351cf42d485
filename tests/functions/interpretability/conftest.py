"""Fixtures for the interpretability tests: small scikit-learn models trained here, wrapped as the
batched `predict(batch) -> outputs` callables the library receives, with a log of call sizes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from sklearn.tree import DecisionTreeClassifier

from functions.interpretability import FeatureSpec

TABULAR = [f"x{i}" for i in range(5)]
RELEVANT = ("x0", "x3")


@dataclass
class RecordingModel:
    """A batched predict callable over a fitted estimator; records the rows of every call."""

    answer: Callable[[np.ndarray], dict[str, np.ndarray]]
    names: list[str]
    calls: list[int] = field(default_factory=list)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        matrix = np.column_stack([np.asarray(batch[name], dtype=float) for name in self.names])
        self.calls.append(matrix.shape[0])
        return self.answer(matrix)


def columns(matrix: np.ndarray, names: list[str]) -> dict[str, np.ndarray]:
    return {name: matrix[:, i] for i, name in enumerate(names)}


@pytest.fixture(scope="session")
def two_feature_tree() -> DecisionTreeClassifier:
    """A tree whose class is (x0 > 0) and (x3 > 0): it depends on two of the five features only."""
    rng = np.random.default_rng(7)
    matrix = rng.normal(size=(4000, 5))
    labels = ((matrix[:, 0] > 0) & (matrix[:, 3] > 0)).astype(int)
    tree = DecisionTreeClassifier(random_state=0).fit(matrix, labels)
    used = {TABULAR[i] for i in np.flatnonzero(tree.feature_importances_)}
    assert used == set(RELEVANT), f"the fixture's premise broke: the tree uses {used}"
    return tree


@pytest.fixture
def tree_model(two_feature_tree: DecisionTreeClassifier) -> RecordingModel:
    return RecordingModel(lambda m: {"proba": two_feature_tree.predict_proba(m)}, TABULAR)


@pytest.fixture(scope="session")
def tabular_training() -> dict[str, np.ndarray]:
    return columns(np.random.default_rng(11).normal(size=(3000, 5)), TABULAR)


@pytest.fixture(scope="session")
def tabular_features() -> list[FeatureSpec]:
    return [FeatureSpec(name, "numerical") for name in TABULAR]
