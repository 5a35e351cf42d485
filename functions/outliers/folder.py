"""The detector as a Hydrosphere model folder, ready for `/api/v2/model/upload`.

    <folder>/serving.yaml        kind: Model, name <model>_metric, python runtime, contract, metadata
    <folder>/src/func_main.py    `scoring` verbatim + loading `detector.joblib` + `predict(**inputs)`
    <folder>/detector.joblib     the bundle: plain data and scikit-learn objects

The served function is this package's own `scoring` module, copied, so the served model and the
in-process `Detector.score` run the same code and the runtime needs nothing from `functions`.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any

import joblib
import yaml

from functions.outliers import scoring
from functions.outliers.columns import Column
from functions.outliers.detector import Detector
from functions.outliers.errors import OutlierError
from protos.contract import DEFAULT_SIGNATURE, Contract, Field
from protos.hydrosphere.serving.contract import types_pb2

DEFAULT_RUNTIME = "hydrosphere/serving-runtime-python-3.7:3.0.0"
BUNDLE_FILE = "detector.joblib"
FUNC_MAIN = "src/func_main.py"
SERVING_YAML = "serving.yaml"
_FOOTER = '''

# Written by functions.outliers: the detector this model version serves. The runtime makes the
# payload folder the working directory before importing this module.
DETECTOR = load_bundle("{bundle}")


def {signature}(**inputs):
    return score(DETECTOR, inputs)
'''


def metric_model_name(model_name: str) -> str:
    """The detector's model name, as Hydrosphere names it: `<model>_metric`."""
    return f"{model_name}_metric"


def write_detector_folder(detector: Detector, folder: str | os.PathLike[str], model_name: str,
                          contract: Contract, *, runtime: str = DEFAULT_RUNTIME) -> Path:
    """Write the model folder of `detector`, trained for `model_name` whose contract is `contract`;
    returns the folder. Existing files of the same names are replaced."""
    root = Path(folder)
    (root / FUNC_MAIN).parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(dict(detector.bundle), root / BUNDLE_FILE)
    (root / FUNC_MAIN).write_text(func_main_source(), encoding="utf-8")
    spec = serving_spec(detector, model_name, contract, runtime)
    (root / SERVING_YAML).write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return root


def func_main_source(signature: str = DEFAULT_SIGNATURE) -> str:
    """`src/func_main.py`: the `scoring` module's source followed by the serving entry point."""
    return inspect.getsource(scoring) + _FOOTER.format(bundle=BUNDLE_FILE, signature=signature)


def serving_spec(detector: Detector, model_name: str, contract: Contract, runtime: str = DEFAULT_RUNTIME
                 ) -> dict[str, Any]:
    """The `kind: Model` document of the detector's model version."""
    return {
        "kind": "Model",
        "name": metric_model_name(model_name),
        "runtime": runtime,
        "payload": [FUNC_MAIN, BUNDLE_FILE],
        "contract": metric_contract(detector, contract).to_dict(),
        "metadata": metadata(detector, model_name),
    }


def metric_contract(detector: Detector, contract: Contract) -> Contract:
    """Inputs: exactly the detector's columns, scalar, typed as in the monitored model's contract.
    Outputs: `value` (the anomaly score) and `is_outlier`."""
    inputs = tuple(_input_field(column, contract) for column in detector.plan.columns)
    outputs = (
        Field("value", types_pb2.DT_DOUBLE, None, types_pb2.NUMERICAL),
        Field("is_outlier", types_pb2.DT_BOOL, None, types_pb2.CATEGORICAL),
    )
    return Contract(DEFAULT_SIGNATURE, inputs, outputs)


def metadata(detector: Detector, model_name: str) -> dict[str, str]:
    """String metadata for the model version (Hydrosphere metadata values are strings)."""
    report = detector.report
    scores = {f"criterion_{name}": repr(value) for name, value in report.criterion_scores.items()}
    return {
        "created_by": "hydro-outliers",
        "is_metric": "true",
        "monitored_model": model_name,
        "algorithm": report.algorithm,
        "criterion": report.criterion,
        **scores,
        "contamination": repr(report.contamination),
        "threshold": repr(report.threshold),
        "comparison": report.comparison,
        "training_rows": str(report.rows_used),
        "training_rows_read": str(report.rows_read),
        "numerical_columns": ",".join(report.numerical_columns),
        "categorical_columns": ",".join(report.categorical_columns),
    }


def _input_field(column: Column, contract: Contract) -> Field:
    declared = contract.input(column.name)
    if declared is None or declared.dtype != column.field.dtype:
        raise OutlierError(
            f"contract.inputs.{column.name}: the detector was trained on this input as "
            f"{column.field.dtype_name}, which this contract does not declare"
        )
    profile = types_pb2.NUMERICAL if column.kind == "numerical" else types_pb2.CATEGORICAL
    return Field(column.name, declared.dtype, None, profile)
