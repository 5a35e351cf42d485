"""Function names (`HYDRO_FUNCTION`) -> the module that implements them.

`available()` lists the names whose module is installed: what `python -m functions --list`
prints and what `hydro up` plans.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping
from typing import cast

from functions.host.function import Function
from functions.host.settings import FunctionSettings

MODULES = {
    "monitoring": "functions.monitoring",
    "drift": "functions.drift",
    "alerts": "functions.alerts",
    "explainer": "functions.explainer",
    "projector": "functions.projector",
    "dead-letter": "functions.dead_letter",
}


class UnknownFunction(LookupError):
    pass


def available() -> list[str]:
    return [name for name, module in MODULES.items() if importlib.util.find_spec(module) is not None]


def check(name: str) -> str:
    """The module implementing `name`; `UnknownFunction` listing the available ones otherwise."""
    module_name = MODULES.get(name)
    if module_name is None or importlib.util.find_spec(module_name) is None:
        raise UnknownFunction(f"HYDRO_FUNCTION={name!r} is not an available function; "
                              f"available: {', '.join(available())}")
    return module_name


def validate_environment(name: str, environ: Mapping[str, str]) -> None:
    """Let the function check its own `HYDRO_*` variables before the server forks (a ValueError
    naming the variable stops the start); modules opt in with `validate_environment(environ)`."""
    validate = getattr(importlib.import_module(check(name)), "validate_environment", None)
    if callable(validate):
        validate(environ)


def create(settings: FunctionSettings) -> Function:
    """A new instance of the function `settings.function` names."""
    module_name = check(settings.function)
    factory = cast(Callable[[FunctionSettings], Function], importlib.import_module(module_name).new)
    return factory(settings)
