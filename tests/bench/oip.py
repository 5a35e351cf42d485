"""Open Inference Protocol gRPC request bodies (KServe V2 / MLServer), from `oip.proto`."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

HERE = Path(__file__).resolve().parent
METHOD = "/inference.GRPCInferenceService/ModelInfer"


def _module(cache: Path) -> ModuleType:
    from grpc_tools import protoc

    out = cache / "oip_gen"
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "oip_pb2.py").is_file():
        code = protoc.main(["protoc", f"-I{HERE}", f"--python_out={out}", str(HERE / "oip.proto")])
        if code != 0:
            raise RuntimeError(f"protoc failed on {HERE / 'oip.proto'} ({code})")
    if str(out) not in sys.path:
        sys.path.insert(0, str(out))
    return importlib.import_module("oip_pb2")


def infer_request(cache: Path, model: str, matrix: np.ndarray) -> bytes:
    """A serialized ModelInferRequest for `model` with `x` as an FP64 tensor."""
    pb = _module(cache)
    tensor = pb.ModelInferRequest.InferInputTensor(name="x", datatype="FP64", shape=list(matrix.shape))
    tensor.contents.fp64_contents.extend(matrix.ravel().tolist())
    request = pb.ModelInferRequest(model_name=model, id="bench", inputs=[tensor])
    return bytes(request.SerializeToString())
