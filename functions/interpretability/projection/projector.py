"""`fit_projection`: a seeded UMAP map of the training data to 2-D that production rows reuse.

The projector is fitted on at most `max_fit_rows` training rows (drawn with the seed), either on
the model's own `embedding` output or on the encoded tabular features, and keeps everything needed
to place new rows on the same map (`transform`). `to_bytes` / `from_bytes` store and reload it.
"""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import joblib
import numpy as np

from functions.interpretability.config import config_from_dict, require
from functions.interpretability.errors import InvalidArgument
from functions.interpretability.features import FeatureSpec, check_columns, check_features
from functions.interpretability.projection.encoder import TabularEncoder
from functions.interpretability.projection.neighbours import ExactNeighbours
from functions.interpretability.projection.quality import ProjectionQuality, measure

logger = logging.getLogger(__name__)
METRICS = ("euclidean", "manhattan", "chebyshev", "cosine", "correlation", "canberra", "braycurtis")
MIN_ROWS = 5


@dataclass(frozen=True)
class ProjectionConfig:
    """UMAP's `n_neighbors`, `min_dist`, `metric` and `n_epochs` (None: UMAP's default for the size);
    the fitting sample cap; the quality sample; the one-hot width per categorical field; the seed
    (UMAP then runs single-threaded)."""

    n_neighbors: int = 15
    min_dist: float = 0.1
    metric: str = "euclidean"
    n_epochs: int | None = None
    max_fit_rows: int = 20_000
    max_categories: int = 20
    quality_rows: int = 1000
    quality_neighbors: int = 10
    seed: int = 0

    def __post_init__(self) -> None:
        require(self.n_neighbors >= 2, "n_neighbors", f"must be at least 2, got {self.n_neighbors}")
        require(0 <= self.min_dist <= 1, "min_dist", f"must be in [0, 1], got {self.min_dist}")
        require(self.metric in METRICS, "metric", f"must be one of {', '.join(METRICS)}; got {self.metric!r}")
        require(self.n_epochs is None or self.n_epochs >= 1, "n_epochs", f"must be at least 1, got {self.n_epochs}")
        require(self.max_fit_rows >= MIN_ROWS, "max_fit_rows", f"must be at least {MIN_ROWS}, got {self.max_fit_rows}")
        require(self.max_categories >= 1, "max_categories", f"must be at least 1, got {self.max_categories}")
        require(self.quality_rows >= MIN_ROWS, "quality_rows", f"must be at least {MIN_ROWS}, got {self.quality_rows}")
        require(self.quality_neighbors >= 1, "quality_neighbors", "must be at least 1")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ProjectionConfig:
        return config_from_dict(cls, data)


@dataclass(frozen=True, eq=False)  # holds arrays: compare fields explicitly
class Projector:
    """A fitted projection. `fit_rows` indexes the training rows used; `coords` are their 2-D places."""

    model: Any
    encoder: TabularEncoder | None
    config: ProjectionConfig
    quality: ProjectionQuality
    fit_rows: np.ndarray
    coords: np.ndarray
    input_dimension: int

    def transform(self, rows: Mapping[str, Any] | np.ndarray) -> np.ndarray:
        """(n, 2) coordinates for new rows: columns (`{field: array}`) or, for an embedding
        projector, an (n, d) array of the model's embeddings."""
        vectors = self._vectors(rows)
        if vectors.shape[0] == 0:
            return np.empty((0, 2), dtype=np.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(self.model.transform(vectors), dtype=np.float32)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        joblib.dump(self, buffer, compress=3)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Projector:
        """Reload a stored projector. Only for bytes this library wrote: unpickling runs code."""
        try:
            loaded = joblib.load(io.BytesIO(data))
        except Exception as exc:
            raise InvalidArgument("projector", f"cannot be loaded: {type(exc).__name__}: {exc}") from exc
        if not isinstance(loaded, cls):
            raise InvalidArgument("projector", f"holds a {type(loaded).__name__}, not a Projector")
        return loaded

    def _vectors(self, rows: Mapping[str, Any] | np.ndarray) -> np.ndarray:
        if self.encoder is not None:
            if not isinstance(rows, Mapping):
                raise InvalidArgument("rows", "this projector was fitted on features; pass columns {field: array}")
            return self.encoder.transform(rows)
        if isinstance(rows, Mapping):
            raise InvalidArgument("rows", "this projector was fitted on embeddings; pass an (n, d) array")
        return _check_embedding(rows, self.input_dimension, min_rows=0)


def fit_projection(
    training: Mapping[str, Any],
    features: Sequence[FeatureSpec],
    config: ProjectionConfig | Mapping[str, Any] | None = None,
    embedding: np.ndarray | None = None,
) -> Projector:
    """Fit the 2-D map on `embedding` (rows = training rows) when given, else on the encoded features."""
    config = config if isinstance(config, ProjectionConfig) else ProjectionConfig.from_dict(config)
    encoder: TabularEncoder | None = None
    if embedding is not None:
        vectors = _check_embedding(embedding, None, MIN_ROWS)
    else:
        features = check_features(features)
        columns = check_columns(training, features, min_rows=MIN_ROWS)
        encoder = TabularEncoder.fit(columns, features, config.max_categories)
        vectors = encoder.transform(columns)
    rng = np.random.default_rng(config.seed)
    rows = _sample(vectors.shape[0], config.max_fit_rows, rng)
    model = _fit_umap(vectors[rows], config)
    coords = np.asarray(model.embedding_, dtype=np.float32)
    probe = _sample(rows.size, config.quality_rows, rng)
    quality = measure(vectors[rows][probe], coords[probe], config.quality_neighbors, config.metric)
    return Projector(model, encoder, config, quality, rows, coords, vectors.shape[1])


def _fit_umap(vectors: np.ndarray, config: ProjectionConfig) -> Any:
    import umap  # imported here: importing umap costs seconds (numba), only projections need it

    n_neighbors = min(config.n_neighbors, vectors.shape[0] - 1)
    index = ExactNeighbours(vectors, config.metric)
    model = umap.UMAP(
        n_components=2,
        n_neighbors=n_neighbors,
        min_dist=config.min_dist,
        metric=config.metric,
        n_epochs=config.n_epochs,
        random_state=config.seed,
        n_jobs=1,
        precomputed_knn=(*index.graph(vectors, n_neighbors), index),
        force_approximation_algorithm=True,  # small fits take the same (precomputed) path
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(vectors)
    for warning in caught:
        logger.debug("umap: %s", warning.message)
    return model


def _sample(total: int, limit: int, rng: np.random.Generator) -> np.ndarray:
    if total <= limit:
        return np.arange(total)
    return np.sort(rng.choice(total, size=limit, replace=False))


def _check_embedding(embedding: Any, dimension: int | None, min_rows: int) -> np.ndarray:
    array = np.asarray(embedding)
    if array.ndim != 2 or array.dtype.kind not in "biuf":
        raise InvalidArgument(
            "embedding", f"must be a numeric (rows, dimensions) array, got {array.dtype} {array.shape}"
        )
    if dimension is not None and array.shape[1] != dimension:
        raise InvalidArgument(
            "embedding", f"must have {dimension} dimensions like the training embedding, got {array.shape[1]}"
        )
    if array.shape[0] < min_rows:
        raise InvalidArgument("embedding", f"needs at least {min_rows} rows, got {array.shape[0]}")
    if not np.all(np.isfinite(array)):
        raise InvalidArgument("embedding", "must not contain NaN or infinite values")
    return array.astype(np.float32)
