"""Runtime names (the `runtime:` of a model) -> the Runtime class that serves them.

Accepted names:
- `hydro/runtime-python`, and Hydrosphere's images `hydrosphere/serving-runtime-python-3.6`,
  `-3.7`, `-3.8` with any tag -> `PythonFunctionRuntime`;
- `hydro/runtime-sklearn`, and any name containing `sklearn` -> `SklearnRuntime`.
An optional `:tag` is accepted on the `hydro/` names too.
"""

from __future__ import annotations

import re

from runtimes.base import Runtime
from runtimes.errors import UnknownRuntimeError
from runtimes.python_function import PythonFunctionRuntime
from runtimes.sklearn_estimator import SklearnRuntime

_PATTERNS: tuple[tuple[re.Pattern[str], type[Runtime]], ...] = (
    (re.compile(r"hydro/runtime-python(:[\w.\-]+)?"), PythonFunctionRuntime),
    (re.compile(r"hydrosphere/serving-runtime-python-3\.[678](:[\w.\-]+)?"), PythonFunctionRuntime),
    (re.compile(r"hydro/runtime-sklearn(:[\w.\-]+)?"), SklearnRuntime),
    (re.compile(r".*sklearn.*"), SklearnRuntime),
)
KNOWN_NAMES = (
    "hydro/runtime-python",
    "hydrosphere/serving-runtime-python-3.6|3.7|3.8:<any tag>",
    "hydro/runtime-sklearn",
    "any name containing 'sklearn'",
)


def resolve_runtime(name: str) -> type[Runtime]:
    """The Runtime class for `name`; `UnknownRuntimeError` listing the known names otherwise."""
    candidate = name.strip()
    for pattern, runtime in _PATTERNS:
        if pattern.fullmatch(candidate):
            return runtime
    raise UnknownRuntimeError(f"unknown runtime {name!r}; known runtimes: {', '.join(KNOWN_NAMES)}")
