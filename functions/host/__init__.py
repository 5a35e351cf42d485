"""The function host: `python -m functions` serves one monitoring or interpretability function.

Knative-func style: a function module exposes `new(settings) -> Function`; the host receives
CloudEvents over HTTP (binary or structured) on `POST /`, calls `Function.handle(event)` and
answers 202 (or 200 with a reply event), and mounts the function's own read API, if it has one.
"""

from functions.host.function import Function, PermanentError
from functions.host.settings import FunctionSettings

__all__ = ["Function", "FunctionSettings", "PermanentError"]
