"""Shared by the explainer and projector tests: two models trained here and served by real
runtime processes, training CSVs, a stand-in monitoring API (the real function's check document
shape) and a stand-in Broker that records what is published to it."""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from cloudevents.core.base import BaseCloudEvent
from flask import Flask, jsonify, request
from sklearn.tree import DecisionTreeClassifier

from functions.gateway.routing import RoutingTable
from functions.gateway.routing_source import RoutingSource
from protos import cloudevent_http
from tests.controller.api.support import serve
from tests.functions.monitoring.support import Controller, serving_folder

COLORS = ("red", "green", "blue")
TABULAR = {"name": "predict",
           "inputs": {"age": {"shape": [-1], "type": "double", "profile": "numerical"},
                      "hours": {"shape": [-1], "type": "double", "profile": "numerical"},
                      "color": {"shape": [-1], "type": "string", "profile": "categorical"}},
           "outputs": {"y": {"shape": [-1], "type": "int64", "profile": "categorical"}}}
# One image per call (no batch dimension): the explainer calls it row by row.
IMAGE = {"name": "predict", "inputs": {"image": {"shape": [8, 8], "type": "double", "profile": "image"}},
         "outputs": {"scores": {"shape": [2], "type": "double", "profile": "numerical"}}}
TABULAR_MAIN = """import joblib
import numpy as np

MODEL = joblib.load("model.joblib")
COLORS = ["red", "green", "blue"]


def predict(age, hours, color):
    codes = [COLORS.index(c) if c in COLORS else -1 for c in np.asarray(color).tolist()]
    rows = np.column_stack([np.asarray(age, dtype=float), np.asarray(hours, dtype=float), codes])
    return {"y": MODEL.predict(rows).astype("int64")}
"""
# Class 1's score is the brightness of the top-left quadrant: that is where a saliency map must point.
IMAGE_MAIN = """import numpy as np


def predict(image):
    bright = float(np.clip(np.asarray(image, dtype=float)[:4, :4].mean(), 0.0, 1.0))
    return {"scores": np.array([1.0 - bright, bright])}
"""


def tabular_rows(count: int, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    ages, hours = rng.normal(40, 10, count), rng.normal(38, 5, count)
    colors = rng.choice(COLORS, count)
    return [{"age": round(float(a), 2), "hours": round(float(h), 2), "color": str(c)}
            for a, h, c in zip(ages, hours, colors, strict=True)]


def label(row: dict[str, Any]) -> int:
    """What the model learns: older than 45 and working over 35 hours."""
    return int(row["age"] > 45 and row["hours"] > 35)


def write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def tabular_folder(root: Path, rows: list[dict[str, Any]]) -> Path:
    """A model folder whose `model.joblib` is a decision tree trained on `rows`."""
    folder = serving_folder(root, "income", TABULAR, TABULAR_MAIN)
    features = np.array([[r["age"], r["hours"], COLORS.index(r["color"])] for r in rows])
    model = DecisionTreeClassifier(max_depth=4, random_state=0).fit(features, [label(r) for r in rows])
    joblib.dump(model, folder / "model.joblib")
    return folder


def image_folder(root: Path) -> Path:
    return serving_folder(root, "quadrant", IMAGE, IMAGE_MAIN)


def static_routing(servables: dict[int, tuple[str, dict[str, Any]]]) -> RoutingSource:
    """A routing table: model version id -> (`host:port`, contract)."""
    entries = {f"mv-{vid}": {"name": f"mv-{vid}", "model": f"m{vid}", "version": 1, "modelVersionId": vid,
                             "grpcTarget": target, "contract": contract}
               for vid, (target, contract) in servables.items()}
    return RoutingSource(RoutingTable.from_dict({"applications": {}, "servables": entries}))


def check_document(check_id: int, version: dict[str, Any], values: dict[str, Any], *, outlier: bool = False,
                   error: str | None = None, metrics: dict[str, float] | None = None) -> dict[str, Any]:
    """A stored request as `GET /monitoring/checks/id/{id}` answers it (functions/monitoring/documents.py)."""
    doc: dict[str, Any] = {"_id": str(check_id), **values}
    doc.update({"_hs_raw_checks": {}, "_hs_latency": 3.0, "_hs_error": error, "_hs_score": 1.0,
                "_hs_overall_score": None, "_hs_model_version_id": version["id"],
                "_hs_model_name": version["model"]["name"], "_hs_model_incremental_version": version["modelVersion"],
                "_hs_request_id": f"r-{check_id}", "_hs_timestamp": 1_700_000_000_000 + check_id,
                "_hs_batch": 0, "_hs_seq": check_id, "_hs_checks_failed": False, "_hs_outlier": outlier,
                "_hs_shadow": False, "_hs_metric_checks": {
                    name: {"check": True, "value": value} for name, value in (metrics or {}).items()}})
    return doc


@dataclass
class MonitoringStandIn:
    """Serves stored check documents at the monitoring function's paths."""

    url: str = ""
    docs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def add(self, doc: dict[str, Any]) -> str:
        self.docs[doc["_id"]] = doc
        return str(doc["_id"])

    def app(self) -> Flask:
        app = Flask("monitoring-stand-in")

        @app.get("/monitoring/checks/id/<int:check_id>")
        def one(check_id: int) -> Any:
            doc = self.docs.get(str(check_id))
            return (jsonify(doc), 200) if doc else (jsonify({"error": f"check {check_id} does not exist"}), 404)

        @app.get("/monitoring/checks/all/<int:mv>")
        def newest(mv: int) -> Any:
            limit = int(request.args.get("limit", "100"))
            docs = [d for d in self.docs.values() if d["_hs_model_version_id"] == mv]
            return jsonify(sorted(docs, key=lambda d: -d["_hs_seq"])[:limit])

        return app


@dataclass
class BrokerStandIn:
    """Accepts CloudEvents on `POST /` as a Broker's ingress does, and keeps them."""

    url: str = ""
    received: list[BaseCloudEvent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Flask:
        app = Flask("broker-stand-in")

        @app.post("/")
        def ingress() -> Any:
            event = cloudevent_http.parse_http(dict(request.headers.items()), request.get_data())
            with self.lock:
                self.received.append(event)
            return "", 202

        return app

    def take(self) -> BaseCloudEvent:
        with self.lock:
            return self.received.pop(0)


@contextmanager
def served(stand_in: MonitoringStandIn | BrokerStandIn) -> Iterator[Any]:
    server = serve(stand_in.app())
    stand_in.url = next(server).url
    try:
        yield stand_in
    finally:
        next(server, None)


def upload(controller: Controller, name: str, contract: dict[str, Any], csv_path: Path | None) -> dict[str, Any]:
    """The model version in the catalog (its payload is not served from there), with its training CSV."""
    version = controller.upload(name, contract, "def predict(**inputs):\n    return {}\n")
    if csv_path is not None:
        controller.upload_training(version["id"], csv_path)
    return version
