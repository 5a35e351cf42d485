"""UMAP projections: separated clusters stay separated, new rows land on the map, storage round trip.

UMAP compiles its numba kernels on the first fit in a process (about 20 s here), so the fitted
projector is shared by the module and the fitting tests are marked slow.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import silhouette_score

from functions.interpretability import (
    FeatureSpec,
    InvalidArgument,
    Projector,
    fit_projection,
    projection_points,
)

NAMES = [f"d{i}" for i in range(10)]
FEATURES = [FeatureSpec(name, "numerical") for name in NAMES]


def clusters(rows_each: int, seed: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.stack([np.zeros(10), np.full(10, 6.0)])
    labels = np.repeat([0, 1], rows_each)
    matrix = centres[labels] + rng.normal(size=(2 * rows_each, 10))
    return {name: matrix[:, i] for i, name in enumerate(NAMES)}, labels


@pytest.fixture(scope="module")
def fitted() -> tuple[Projector, np.ndarray]:
    training, labels = clusters(200, seed=0)
    return fit_projection(training, FEATURES, {"n_neighbors": 10, "seed": 1}), labels


@pytest.mark.slow
def test_separated_clusters_stay_separated_in_two_dimensions(fitted):
    projector, labels = fitted

    assert projector.coords.shape == (400, 2)
    assert silhouette_score(projector.coords, labels) > 0.5
    accuracy = LogisticRegression().fit(projector.coords, labels).score(projector.coords, labels)
    assert accuracy >= 0.95


@pytest.mark.slow
def test_new_rows_land_in_their_cluster(fitted):
    projector, labels = fitted
    fresh, fresh_labels = clusters(20, seed=5)

    coords = projector.transform(fresh)

    centres = np.stack([projector.coords[labels == k].mean(axis=0) for k in (0, 1)])
    nearest = np.argmin(np.linalg.norm(coords[:, None, :] - centres[None], axis=2), axis=1)
    assert np.mean(nearest == fresh_labels) >= 0.95


@pytest.mark.slow
def test_a_stored_projector_places_rows_identically(fitted):
    projector, _labels = fitted
    fresh, _ = clusters(10, seed=6)

    reloaded = Projector.from_bytes(projector.to_bytes())

    np.testing.assert_array_equal(reloaded.transform(fresh), projector.transform(fresh))
    assert reloaded.quality == projector.quality


@pytest.mark.slow
def test_quality_figures_are_reported(fitted):
    quality = fitted[0].quality
    assert quality.rows == 400 and quality.neighbors == 10
    assert 0.8 < quality.trustworthiness <= 1.0
    assert 0.0 < quality.neighbourhood_preservation <= 1.0


@pytest.mark.slow
def test_a_model_embedding_is_projected_and_its_rows_capped():
    training, _labels = clusters(150, seed=2)
    embedding = np.column_stack([training[name] for name in NAMES])

    projector = fit_projection({}, [], {"max_fit_rows": 200, "n_neighbors": 10, "metric": "cosine"}, embedding)

    assert projector.encoder is None and projector.fit_rows.size == 200
    assert projector.transform(embedding[:5]).shape == (5, 2)
    with pytest.raises(InvalidArgument, match="must have 10 dimensions"):
        projector.transform(embedding[:5, :3])
    with pytest.raises(InvalidArgument, match="fitted on embeddings"):
        projector.transform(training)


@pytest.mark.slow
def test_large_fits_use_exact_neighbours_and_still_place_new_rows():
    # From 4,096 rows UMAP would build an NNDescent index; the projector hands it an exact one.
    training, labels = clusters(2100, seed=3)
    fresh, fresh_labels = clusters(20, seed=4)

    projector = fit_projection(training, FEATURES, {"n_neighbors": 10, "n_epochs": 30, "seed": 1})
    reloaded = Projector.from_bytes(projector.to_bytes())

    assert type(projector.model._knn_search_index).__name__ == "ExactNeighbours"
    assert silhouette_score(projector.coords, labels) > 0.5
    coords = reloaded.transform(fresh)
    centres = np.stack([projector.coords[labels == k].mean(axis=0) for k in (0, 1)])
    nearest = np.argmin(np.linalg.norm(coords[:, None, :] - centres[None], axis=2), axis=1)
    assert np.mean(nearest == fresh_labels) >= 0.95
    np.testing.assert_array_equal(coords, projector.transform(fresh))


def test_points_carry_request_ids_answers_and_metric_results():
    coords = np.array([[0.5, 1.5], [2.0, -1.0]], dtype=np.float32)

    points = projection_points(
        coords, ["r1", "r2"], predictions=np.array([1, 0]), outliers=[False, True], metrics={"od": [0.1, 0.9]}
    )

    assert [p.to_dict() for p in points] == [
        {"requestId": "r1", "x": 0.5, "y": 1.5, "prediction": 1, "outlier": False, "metrics": {"od": 0.1}},
        {"requestId": "r2", "x": 2.0, "y": -1.0, "prediction": 0, "outlier": True, "metrics": {"od": 0.9}},
    ]
    with pytest.raises(InvalidArgument, match=r"metrics\.od: has 1 entries for 2 points"):
        projection_points(coords, ["r1", "r2"], metrics={"od": [0.1]})


@pytest.mark.parametrize(
    ("config", "key"),
    [({"metric": "levenshtein"}, "config.metric"), ({"n_neighbors": 1}, "config.n_neighbors"), ({"k": 3}, "config.k")],
)
def test_bad_configuration_names_the_key(config, key):
    training, _ = clusters(10, seed=0)
    with pytest.raises(InvalidArgument) as error:
        fit_projection(training, FEATURES, config)
    assert error.value.field == key


def test_too_few_rows_is_a_clear_error():
    training, _ = clusters(2, seed=0)
    with pytest.raises(InvalidArgument, match="training: needs at least 5 rows, got 4"):
        fit_projection(training, FEATURES)
