"""The python runtime: Hydrosphere's `func_main.py` convention.

The payload holds `src/func_main.py` defining a function named after the contract's signature
(`predict` by default). At load the payload folder becomes the working directory (so the function
can open `model.joblib` and friends by relative path) and `src/` goes on `sys.path` (so
`func_main.py` can import its sibling modules). Each request calls the function with the inputs
as keyword arguments (numpy arrays; 0-d arrays for scalar fields); it returns a dict mapping
output names to arrays, lists or scalars.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from runtimes.base import Runtime
from runtimes.errors import ModelError, ModelLoadError

logger = logging.getLogger(__name__)

MODULE_NAME = "func_main"
SOURCE = os.path.join("src", "func_main.py")


class PythonFunctionRuntime(Runtime):
    """Calls `src/func_main.py:<signature name>(**inputs)`."""

    _function: Callable[..., Any] | None = None

    def load(self) -> None:
        source = self.model_path / SOURCE
        if not source.is_file():
            raise ModelLoadError(f"python runtime: {SOURCE} not found in the model payload {self.model_path}")
        # The working directory is process-wide: fine, a runtime process serves exactly one model.
        os.chdir(self.model_path)
        src = str(source.parent.resolve())
        if src not in sys.path:
            sys.path.insert(0, src)
        module = _import(source)
        function = getattr(module, self.contract.name, None)
        if not callable(function):
            raise ModelLoadError(
                f"python runtime: {SOURCE} defines no function {self.contract.name!r} "
                "(the function must be named after the contract's signature name)"
            )
        self._function = function
        logger.info("loaded %s:%s", SOURCE, self.contract.name)

    def predict(self, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if self._function is None:
            raise ModelError("python runtime: predict() called before load()")
        result = self._function(**inputs)
        if not isinstance(result, Mapping):
            raise ModelError(
                f"{self.contract.name}() returned {type(result).__name__}; "
                "it must return a dict mapping output names to values"
            )
        return {str(name): np.asarray(value) for name, value in result.items()}


def _import(source: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(MODULE_NAME, source)
    if spec is None or spec.loader is None:
        raise ModelLoadError(f"python runtime: cannot import {SOURCE}")
    module = importlib.util.module_from_spec(spec)
    # Registered before running it, as a normal import would, so the module can be pickled against.
    sys.modules[MODULE_NAME] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(MODULE_NAME, None)
        problem = f"{type(exc).__name__}: {exc}"
        raise ModelLoadError(f"python runtime: importing {SOURCE} failed: {problem}") from exc
    return module
