"""A BentoML service over the benchmark's joblib models: `POST /lr` and `POST /rf` with `{"x": [[...]]}`.

Runs in the BentoML virtualenv: `bentoml serve bentoml_service:Bench --port PORT` with
BENCH_MODELS=lr=/path/model.joblib,rf=/path/model.joblib.
"""

import os

import bentoml
import joblib
import numpy as np

PATHS = dict(item.split("=", 1) for item in os.environ["BENCH_MODELS"].split(","))


@bentoml.service(workers=1)
class Bench:
    def __init__(self):
        self.lr_model = joblib.load(PATHS["lr"])
        self.rf_model = joblib.load(PATHS["rf"])

    @bentoml.api
    def lr(self, x: np.ndarray) -> np.ndarray:
        return self.lr_model.predict(x)

    @bentoml.api
    def rf(self, x: np.ndarray) -> np.ndarray:
        return self.rf_model.predict(x)
