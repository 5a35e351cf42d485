"""The gRPC floor: a bare grpcio server answering Hydrosphere's PredictionService/Predict for one model.

    python -m tests.bench.servers.grpc_floor PORT MODEL.joblib [THREADS]
"""

from __future__ import annotations

import sys
from concurrent import futures
from typing import Any

import grpc
import joblib
import numpy as np

from protos import codec
from protos.hydrosphere.serving.runtime import api_pb2

METHOD = "Predict"
SERVICE = "hydrosphere.serving.runtime.PredictionService"


def handler(model: Any) -> grpc.GenericRpcHandler:
    def predict(request: api_pb2.PredictRequest, _context: grpc.ServicerContext) -> api_pb2.PredictResponse:
        labels = model.predict(codec.tensor_to_array(request.inputs["x"]))
        return api_pb2.PredictResponse(outputs={"y": codec.array_to_tensor(labels.astype(np.int64))})

    method = grpc.unary_unary_rpc_method_handler(predict, api_pb2.PredictRequest.FromString,
                                                 api_pb2.PredictResponse.SerializeToString)
    return grpc.method_handlers_generic_handler(SERVICE, {METHOD: method})


def main(argv: list[str]) -> None:
    port, path = int(argv[0]), argv[1]
    threads = int(argv[2]) if len(argv) > 2 else 4
    server = grpc.server(futures.ThreadPoolExecutor(threads))
    server.add_generic_rpc_handlers((handler(joblib.load(path)),))
    server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    server.wait_for_termination()


if __name__ == "__main__":
    main(sys.argv[1:])
