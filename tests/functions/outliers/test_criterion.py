"""The mass-volume criterion: its computation, and that it prefers the detector that fits."""

from __future__ import annotations

import io

import numpy as np
import pytest

from functions.outliers import TrainingSettings, choose, train_from_csv
from functions.outliers.algorithms import ISOLATION_FOREST, LOCAL_OUTLIER_FACTOR
from functions.outliers.criterion import mass_volume_area
from protos.contract import Contract

XY = Contract.from_dict({"inputs": {"x": {"type": "double"}, "y": {"type": "double"}},
                         "outputs": {"o": {"type": "double"}}})


def points_csv(points: np.ndarray) -> io.StringIO:
    return io.StringIO("x,y\n" + "".join(f"{x},{y}\n" for x, y in points))


def test_area_is_the_share_of_reference_points_above_each_level_integrated_over_alpha() -> None:
    alphas = np.array([0.9, 1.0])
    data = np.arange(10.0)  # at alpha 0.9 the level is 1 (9 of 10 rows >= 1); at 1.0 it is 0
    reference = np.array([-1.0, 0.5, 2.0, 5.0])  # 2 of 4 points >= 1, 3 of 4 >= 0
    assert mass_volume_area(data, reference, alphas) == pytest.approx(0.1 * (0.5 + 0.75) / 2)


def test_a_tighter_scoring_function_has_the_smaller_area() -> None:
    rng = np.random.default_rng(0)
    data = rng.normal(0, 1, 2000)
    reference = rng.uniform(-5, 5, 20_000)
    alphas = np.linspace(0.9, 0.999, 50)
    tight = mass_volume_area(-np.abs(data), -np.abs(reference), alphas)  # level sets are intervals
    loose = mass_volume_area(-np.abs(np.abs(data) - 2), -np.abs(np.abs(reference) - 2), alphas)
    assert tight < loose


def test_two_dense_separated_clusters_favour_local_outlier_factor() -> None:
    """Isolation Forest cuts along axes, so two clusters at (0, 0) and (10, 10) leave 'ghost'
    regions around (0, 10) and (10, 0) that score as normal as the clusters: its high-mass level
    sets are larger. LOF's level sets hug the two clusters."""
    rng = np.random.default_rng(3)
    centres = rng.integers(0, 2, 3000)[:, None] * 10.0
    detector = train_from_csv(points_csv(centres + rng.normal(0, 0.3, (3000, 2))), XY)
    scores = detector.report.criterion_scores
    assert detector.report.algorithm == LOCAL_OUTLIER_FACTOR
    assert scores[LOCAL_OUTLIER_FACTOR] < 0.8 * scores[ISOLATION_FOREST]


def test_a_dense_core_in_a_sparse_halo_favours_isolation_forest() -> None:
    """LOF compares a row's density to its neighbours': rows of a sparse but even halo look as
    normal as the core, so its high-mass level sets spread over the halo. Isolation Forest
    isolates halo rows quickly and keeps its level sets around the core."""
    rng = np.random.default_rng(4)
    points = np.vstack([rng.normal(0, 0.5, (2700, 2)), rng.uniform(-10, 10, (300, 2))])
    detector = train_from_csv(points_csv(points), XY)
    scores = detector.report.criterion_scores
    assert detector.report.algorithm == ISOLATION_FOREST
    assert scores[ISOLATION_FOREST] < 0.8 * scores[LOCAL_OUTLIER_FACTOR]


def test_wide_data_is_measured_on_column_subsets() -> None:
    """In 30 dimensions almost no uniform reference point lands in a high-mass region: volumes
    measured in the full space are all near zero and rank nothing but noise. On 5-column subsets
    they are measurable."""
    rng = np.random.default_rng(5)
    names = [f"f{i}" for i in range(30)]
    contract = Contract.from_dict({"inputs": {n: {"type": "double"} for n in names},
                                   "outputs": {"o": {"type": "double"}}})
    text = ",".join(names) + "\n" + "".join(",".join(map(str, row)) + "\n" for row in rng.normal(0, 1, (400, 30)))
    full = TrainingSettings(max_volume_features=30, volume_points=2000)
    subsets = TrainingSettings(feature_subsets=2, volume_points=2000)
    full_scores = train_from_csv(io.StringIO(text), contract, full).report.criterion_scores.values()
    subset_scores = train_from_csv(io.StringIO(text), contract, subsets).report.criterion_scores.values()
    assert max(full_scores) < min(subset_scores) / 20


@pytest.mark.parametrize(("scores", "chosen"), [
    ({ISOLATION_FOREST: 0.2, LOCAL_OUTLIER_FACTOR: 0.1}, LOCAL_OUTLIER_FACTOR),
    ({ISOLATION_FOREST: 0.1, LOCAL_OUTLIER_FACTOR: 0.2}, ISOLATION_FOREST),
    ({ISOLATION_FOREST: 0.1, LOCAL_OUTLIER_FACTOR: 0.1}, ISOLATION_FOREST),
    ({ISOLATION_FOREST: 0.1, LOCAL_OUTLIER_FACTOR: float("nan")}, ISOLATION_FOREST),
    ({ISOLATION_FOREST: float("nan"), LOCAL_OUTLIER_FACTOR: 0.3}, LOCAL_OUTLIER_FACTOR),
])
def test_choose_takes_the_smaller_area_and_isolation_forest_on_ties(scores: dict[str, float], chosen: str) -> None:
    assert choose(scores) == chosen
