"""A function process imports scipy, scikit-learn, umap/numba and PIL only when the code path that
needs them runs (a drift test, a detector's training, an explanation, a projection), never at start:
idle, each such import costs tens of MB in every function process of `hydro up`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from functions.host import registry

HEAVY = ("scipy", "sklearn", "umap", "numba", "PIL", "pandas")

PROBE = """
import json, os, sys
from functions.host import registry
from functions.host.settings import FunctionSettings

settings = FunctionSettings.from_env(os.environ)
registry.validate_environment(settings.function, os.environ)
function = registry.create(settings)
function.routes()
loaded = sorted(name for name in sys.modules if name.split(".")[0] in json.loads(sys.argv[1]))
function.close()
print(json.dumps(loaded))
"""


@pytest.mark.parametrize("name", registry.available())
def test_building_a_function_imports_no_heavy_library(name: str, tmp_path: Path) -> None:
    env = {**os.environ, "HYDRO_FUNCTION": name, "HYDRO_HOME": str(tmp_path), "HYDRO_FUNCTIONS_DATABASE_URL": "",
           "HYDRO_DATABASE_URL": "", "HYDRO_CONTROLLER_URL": "http://127.0.0.1:9", "HYDRO_BROKER_URL": ""}
    probe = subprocess.run([sys.executable, "-c", PROBE, json.dumps(HEAVY)], capture_output=True, text=True,
                           timeout=120, env=env)
    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout.strip().splitlines()[-1]) == []


def test_the_probe_sees_a_heavy_import() -> None:
    """The check above can fail: a module that does import scipy is reported."""
    probe = subprocess.run([sys.executable, "-c", "import sys, functions.stats.significance as s; "
                            "s._scipy_stats(); print('scipy' in sys.modules)"], capture_output=True, text=True,
                           timeout=120)
    assert probe.stdout.strip() == "True", probe.stderr
