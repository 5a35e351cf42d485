from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from protos.contract import Contract
from runtimes.errors import ModelError, ModelLoadError
from runtimes.python_function import PythonFunctionRuntime
from tests.runtimes.conftest import write_payload

CONTRACT = Contract.from_dict({
    "name": "infer",
    "inputs": {"x": {"shape": [-1], "type": "double"}},
    "outputs": {"total": {"shape": "scalar", "type": "double"}, "note": {"shape": "scalar", "type": "string"}},
})
FUNC_MAIN = """
import helper

with open("scale.txt") as handle:  # relative to the payload: the working directory
    SCALE = float(handle.read())

def infer(x):
    return {"total": helper.total(x) * SCALE, "note": "sum of %d" % len(x)}
"""


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """load() changes the process's working directory, sys.path and sys.modules: undo it."""
    monkeypatch.chdir(os.getcwd())
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield
    for name in ("func_main", "helper"):
        sys.modules.pop(name, None)


def payload(tmp_path: Path, func_main: str) -> Path:
    write_payload(tmp_path, {"src/func_main.py": func_main,
                             "src/helper.py": "def total(x):\n    return float(x.sum())\n",
                             "scale.txt": "2"})
    return tmp_path


def test_calls_the_signature_function_from_the_payload_directory(tmp_path: Path) -> None:
    runtime = PythonFunctionRuntime(payload(tmp_path, FUNC_MAIN), CONTRACT)
    runtime.load()
    assert Path.cwd() == tmp_path.resolve()
    outputs = runtime.predict({"x": np.array([1.0, 2.0, 3.0])})
    assert outputs["total"] == 12.0
    assert outputs["note"].item() == "sum of 3" and isinstance(outputs["note"], np.ndarray)


def test_missing_func_main(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match=r"src/func_main\.py not found"):
        PythonFunctionRuntime(tmp_path, CONTRACT).load()


def test_missing_signature_function(tmp_path: Path) -> None:
    runtime = PythonFunctionRuntime(payload(tmp_path, "def predict(x):\n    return {}\n"), CONTRACT)
    with pytest.raises(ModelLoadError, match="defines no function 'infer'"):
        runtime.load()


def test_import_failure_is_a_load_error(tmp_path: Path) -> None:
    runtime = PythonFunctionRuntime(payload(tmp_path, "import not_installed_anywhere\n"), CONTRACT)
    with pytest.raises(ModelLoadError, match=r"importing src/func_main\.py failed: ModuleNotFoundError"):
        runtime.load()
    assert "func_main" not in sys.modules


def test_non_mapping_result_is_a_model_error(tmp_path: Path) -> None:
    runtime = PythonFunctionRuntime(payload(tmp_path, "def infer(x):\n    return [1]\n"), CONTRACT)
    runtime.load()
    with pytest.raises(ModelError, match="infer\\(\\) returned list"):
        runtime.predict({"x": np.zeros(1)})
