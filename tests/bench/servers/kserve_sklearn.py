"""KServe's Python ModelServer serving joblib scikit-learn models, as its sklearnserver does.

Runs in the KServe virtualenv: `python kserve_sklearn.py HTTP_PORT GRPC_PORT name=path ...`.
V1 (`instances`) and V2 (Open Inference Protocol) requests both go to `estimator.predict`.
"""

import sys

import joblib
import numpy as np
from kserve import Model, ModelServer
from kserve.utils.utils import get_predict_input, get_predict_response


class SklearnModel(Model):
    def __init__(self, name, path):
        super().__init__(name)
        self.path = path
        self.estimator = None
        self.load()

    def load(self):
        self.estimator = joblib.load(self.path)
        self.ready = True
        return self.ready

    def predict(self, payload, headers=None, response_headers=None):
        instances = get_predict_input(payload)
        result = self.estimator.predict(np.asarray(instances, dtype=np.float64))
        return get_predict_response(payload, result, self.name)


def main(argv):
    http_port, grpc_port = int(argv[0]), int(argv[1])
    models = [SklearnModel(name, path) for name, _, path in (item.partition("=") for item in argv[2:])]
    server = ModelServer(http_port=http_port, grpc_port=grpc_port, workers=1, enable_latency_logging=False)
    server.start(models)


if __name__ == "__main__":
    main(sys.argv[1:])
