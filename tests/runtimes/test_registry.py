from __future__ import annotations

import pytest

from runtimes.errors import UnknownRuntimeError
from runtimes.python_function import PythonFunctionRuntime
from runtimes.registry import resolve_runtime
from runtimes.sklearn_estimator import SklearnRuntime


@pytest.mark.parametrize(
    "name",
    [
        "hydro/runtime-python",
        "hydro/runtime-python:0.1",
        "hydrosphere/serving-runtime-python-3.6:3.0.3",
        "hydrosphere/serving-runtime-python-3.7:latest",
        "hydrosphere/serving-runtime-python-3.8:2.4.0",
        "hydrosphere/serving-runtime-python-3.8",
        " hydro/runtime-python ",
    ],
)
def test_python_runtime_names(name: str) -> None:
    assert resolve_runtime(name) is PythonFunctionRuntime


@pytest.mark.parametrize(
    "name", ["hydro/runtime-sklearn", "hydro/runtime-sklearn:1.0", "myorg/sklearn-serving:2", "sklearn"]
)
def test_sklearn_runtime_names(name: str) -> None:
    assert resolve_runtime(name) is SklearnRuntime


@pytest.mark.parametrize(
    "name", ["hydrosphere/serving-runtime-python-3.9:3.0.3", "hydrosphere/serving-runtime-tensorflow:1.0", ""]
)
def test_unknown_runtime_lists_the_known_ones(name: str) -> None:
    with pytest.raises(UnknownRuntimeError) as caught:
        resolve_runtime(name)
    message = str(caught.value)
    assert repr(name) in message
    assert "hydro/runtime-python" in message and "hydro/runtime-sklearn" in message
