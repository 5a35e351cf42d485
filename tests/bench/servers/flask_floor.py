"""The HTTP floor: Flask under gunicorn, `POST /predict/<model>` with `{"x": [[...]]}` -> `{"y": [...]}`.

    BENCH_MODELS=lr=/path/model.joblib,rf=/path/model.joblib gunicorn tests.bench.servers.flask_floor:app
"""

from __future__ import annotations

import os

import joblib
import numpy as np
from flask import Flask, abort, jsonify, request
from flask.typing import ResponseReturnValue

MODELS = {name: joblib.load(path) for name, _, path in
          (item.partition("=") for item in os.environ.get("BENCH_MODELS", "").split(",") if item)}
app = Flask(__name__)


@app.post("/predict/<name>")
def predict(name: str) -> ResponseReturnValue:
    model = MODELS.get(name)
    if model is None:
        abort(404)
    body = request.get_json(force=True)
    return jsonify({"y": model.predict(np.asarray(body["x"], dtype=np.float64)).tolist()})
