"""Interpretability benchmark: anchors on a random forest, a 5,000-point UMAP projection, RISE.

- anchors: a RandomForest (100 trees) on 20 features (5 informative), trained on 5,000 rows;
  `--instances` explanations with the model called in process; time per explanation, model calls
  and rows per explanation, how many reached the precision threshold.
- projection: fit on `--points` training rows (20 numerical features, 3 clusters) and transform
  as many production rows. The first run in a process compiles UMAP's numba kernels; a second,
  identical run gives the warm figures, and the difference is reported as compile time.
- saliency: RISE with 1,000 masks on a 64 x 64 RGB image scored by a logistic regression.

    python -m tests.bench.bench_interpretability [--instances N] [--points N] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from typing import Any

import numpy as np
from sklearn.datasets import make_blobs, make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from functions.interpretability import FeatureSpec, Kind, explain_anchor, fit_projection, saliency_map

FEATURES = [f"f{i:02d}" for i in range(20)]


def bench_anchors(instances: int) -> dict[str, Any]:
    matrix, labels = make_classification(5000, 20, n_informative=5, n_redundant=0, random_state=0)
    forest = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1).fit(matrix, labels)
    training = {name: matrix[:, i] for i, name in enumerate(FEATURES)}
    features = [FeatureSpec(name, Kind.NUMERICAL) for name in FEATURES]

    def predict(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {"proba": forest.predict_proba(np.column_stack([batch[name] for name in FEATURES]))}

    seconds, calls, rows, found, sizes = [], [], [], 0, []
    for index in range(instances):
        instance = {name: float(matrix[index, i]) for i, name in enumerate(FEATURES)}
        start = time.perf_counter()
        explanation = explain_anchor(instance, predict, "proba", training, features, {"seed": index})
        seconds.append(time.perf_counter() - start)
        calls.append(explanation.model_calls)
        rows.append(explanation.model_rows)
        found += explanation.anchor_found
        sizes.append(len(explanation.predicates))
    return {
        "instances": instances,
        "seconds_mean": statistics.mean(seconds),
        "seconds_median": statistics.median(seconds),
        "seconds_max": max(seconds),
        "model_calls_mean": statistics.mean(calls),
        "model_rows_mean": statistics.mean(rows),
        "anchors_found": found,
        "anchor_size_mean": statistics.mean(sizes),
    }


def bench_projection(points: int) -> dict[str, Any]:
    matrix, _ = make_blobs(2 * points, n_features=20, centers=3, random_state=0)
    training = {name: matrix[:points, i] for i, name in enumerate(FEATURES)}
    production = {name: matrix[points:, i] for i, name in enumerate(FEATURES)}
    features = [FeatureSpec(name, Kind.NUMERICAL) for name in FEATURES]
    runs = []
    for _ in range(2):
        start = time.perf_counter()
        projector = fit_projection(training, features, {"seed": 0})
        fitted = time.perf_counter()
        projector.transform(production)
        runs.append((fitted - start, time.perf_counter() - fitted, projector))
    (cold_fit, cold_transform, _), (warm_fit, warm_transform, projector) = runs
    return {
        "points": points,
        "fit_seconds": warm_fit,
        "transform_seconds": warm_transform,
        "first_run_seconds": cold_fit + cold_transform,
        "numba_compile_seconds": max(0.0, cold_fit + cold_transform - warm_fit - warm_transform),
        "trustworthiness": projector.quality.trustworthiness,
        "neighbourhood_preservation": projector.quality.neighbourhood_preservation,
        "stored_bytes": len(projector.to_bytes()),
    }


def bench_saliency() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    images = rng.random((400, 64, 64, 3)).astype(np.float32)
    labels = (images[:, :32, :32].mean(axis=(1, 2, 3)) > 0.5).astype(int)
    model = LogisticRegression(max_iter=500).fit(_pooled(images), labels)
    calls: list[int] = []

    def predict(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        calls.append(len(batch["image"]))
        return {"proba": model.predict_proba(_pooled(batch["image"]))}

    start = time.perf_counter()
    result = saliency_map(images[0], predict, "image", "proba", None, {"n_masks": 1000})
    return {
        "image": "64x64x3 float32",
        "masks": 1000,
        "seconds": time.perf_counter() - start,
        "model_calls": result.model_calls,
        "png_bytes": len(result.png),
    }


def _pooled(images: np.ndarray) -> np.ndarray:
    """8 x 8 average pooling per channel: the logistic regression's features."""
    n = images.shape[0]
    return images.reshape(n, 8, 8, 8, 8, 3).mean(axis=(2, 4)).reshape(n, -1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=10, help="anchor explanations to time")
    parser.add_argument("--points", type=int, default=5000, help="rows to fit and to transform")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    results = {
        "anchors": bench_anchors(args.instances),
        "projection": bench_projection(args.points),
        "saliency": bench_saliency(),
    }
    if args.json:
        json.dump(results, sys.stdout, indent=2)
        print()
    else:
        _table(results)
    return 0


def _table(results: dict[str, dict[str, Any]]) -> None:
    print(f"{'benchmark':<12} {'figure':<28} {'value':>14}")
    for name, figures in results.items():
        for key, value in figures.items():
            shown = f"{value:.3f}" if isinstance(value, float) else str(value)
            print(f"{name:<12} {key:<28} {shown:>14}")


if __name__ == "__main__":
    sys.exit(main())
