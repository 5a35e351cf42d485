"""One projection: the version's fitted map (reused, or fitted on its training CSV and stored),
and its newest stored production requests placed on it.

A point carries the check document's `_id` (the UI opens the request with it), the place, the
predicted class or value (the first output; the argmax of a score vector), the outlier flag the
monitoring function stored and the request's metric values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from functions.explainer.settings import InterpretSettings
from functions.explainer.sources import Catalog, Monitoring
from functions.explainer.training import training_columns
from functions.host.store import Store, utcnow
from functions.interpretability import (
    FeatureSpec,
    InvalidArgument,
    Projector,
    features_from_contract,
    fit_projection,
    projection_points,
)
from functions.projector.requests import ProjectionRequest
from functions.projector.tables import ProjectorRow
from protos.contract import Contract

TRAINING_POINTS = 1000


class Projections:
    def __init__(self, store: Store, catalog: Catalog, monitoring: Monitoring, settings: InterpretSettings,
                 scratch: Path) -> None:
        self.store = store
        self.catalog = catalog
        self.monitoring = monitoring
        self.settings = settings
        self.scratch = scratch

    def run(self, version_id: int, request: ProjectionRequest) -> dict[str, Any]:
        """The projection's result; raises the library's `NotSupported` for a non-tabular contract."""
        contract = self.catalog.version(version_id).contract
        features = features_from_contract(contract)
        projector, refitted = self._projector(version_id, contract, features, request)
        docs = self.monitoring.newest_checks(version_id, request.max_points)
        usable = [doc for doc in docs if not doc.get("_hs_error") and _one_row(doc, contract)]
        columns = production_columns(usable, contract, features)
        coords = projector.transform(columns) if usable else np.empty((0, 2), dtype=np.float32)
        output = contract.outputs[0].name if contract.outputs else None
        points = projection_points(coords, [str(doc.get("_id")) for doc in usable],
                                   [prediction(doc.get(output) if output else None) for doc in usable],
                                   [_flag(doc.get("_hs_outlier")) for doc in usable])
        return {
            "points": [{**point.to_dict(), "metrics": metrics(doc)} for point, doc in zip(points, usable, strict=True)],
            "training": [{"x": float(x), "y": float(y)} for x, y in projector.coords[:TRAINING_POINTS].tolist()],
            "quality": projector.quality.to_dict(), "refitted": refitted, "outputField": output,
            "requests": {"read": len(docs), "projected": len(usable), "skipped": len(docs) - len(usable)},
            "trainingRows": int(projector.fit_rows.size), "config": request.to_json(),
        }

    def _projector(self, version_id: int, contract: Contract, features: Sequence[FeatureSpec],
                   request: ProjectionRequest) -> tuple[Projector, bool]:
        """(projector, refitted): the stored one when it fits the request, else a new fit, stored."""
        with self.store.transaction() as session:
            stored = session.get(ProjectorRow, version_id)
            if stored is not None and not request.refit and stored.config == request.fit:
                try:
                    return Projector.from_bytes(stored.data), False
                except InvalidArgument:
                    pass  # written by an incompatible library version: fit again
        uri = self.catalog.training_uri(version_id)
        training = training_columns(uri, contract, features, s3=self.settings.s3, scratch=self.scratch,
                                    max_rows=self.settings.max_training_rows)
        projector = fit_projection(training, features, request.projection_config)
        with self.store.transaction() as session:
            session.merge(ProjectorRow(model_version_id=version_id, config=request.fit, data=projector.to_bytes(),
                                       fitted_at=utcnow()))
        return projector, True


def production_columns(docs: Sequence[Mapping[str, Any]], contract: Contract,
                       features: Sequence[FeatureSpec]) -> dict[str, np.ndarray]:
    """The features of stored requests as columns: missing numbers NaN, missing categories None
    (the encoder puts them at the training median, or in no category)."""
    columns: dict[str, np.ndarray] = {}
    for feature in features:
        values = [_unwrap(doc.get(feature.name)) for doc in docs]
        if feature.numerical:
            columns[feature.name] = np.asarray([_number(v) for v in values], dtype=np.float64)
        else:
            columns[feature.name] = np.asarray(values, dtype=object)
    return columns


def prediction(value: Any) -> Any:
    """The answer shown for a point: a scalar as it is, the index of the top score of a vector."""
    value = _unwrap(value)
    if isinstance(value, list):
        flat = [v for v in value if isinstance(v, int | float) and not isinstance(v, bool)]
        return int(np.argmax(flat)) if flat and len(flat) == len(value) else None
    return value


def metrics(doc: Mapping[str, Any]) -> dict[str, float]:
    checks = doc.get("_hs_metric_checks")
    if not isinstance(checks, Mapping):
        return {}
    found = {name: check.get("value") for name, check in checks.items() if isinstance(check, Mapping)}
    return {name: float(value) for name, value in found.items()
            if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)}


def _one_row(doc: Mapping[str, Any], contract: Contract) -> bool:
    """A request of a batched contract is placed on the map only when it holds one row."""
    for field in contract.inputs:
        value = doc.get(field.name)
        if field.shape and field.shape[0] == -1 and isinstance(value, list) and len(value) != 1:
            return False
    return True


def _unwrap(value: Any) -> Any:
    return value[0] if isinstance(value, list) and len(value) == 1 else value


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return math.nan


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None

