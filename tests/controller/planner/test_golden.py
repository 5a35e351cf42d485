"""Golden files: the exact manifests for three reference states. `HYDRO_UPDATE_GOLDEN=1` rewrites them."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from controller.desired_state import DesiredState
from controller.planner import plan
from tests.controller.kube.knative_check import assert_valid
from tests.controller.planner import states as s

GOLDEN = Path(__file__).parent / "golden"


def _singular() -> DesiredState:
    return s.state(s.app("claims-singular", [(s.servable("claims-model", 1), 100)]), functions=())


def _pipeline() -> DesiredState:
    return s.state(s.app(
        "claims-pipeline",
        [(s.servable("claims-preprocessing", 1), 100)],
        [(s.servable("claims-model", 1), 80), (s.servable("claims-model", 2), 20),
         (s.servable("claims-model", 3), 0)],
    ), functions=())


def _hpa() -> DesiredState:
    return s.state(s.app("claims-scaled", [(s.servable("claims-model", 1, s.HPA), 100)]), functions=())


CASES = {"singular": _singular, "pipeline": _pipeline, "hpa": _hpa}


@pytest.mark.parametrize("case", sorted(CASES))
def test_plan_matches_golden_file(case: str) -> None:
    result = plan(CASES[case]())
    text = result.to_yaml() + "---\n# routing table\n" + json.dumps(result.routing, indent=2, sort_keys=True) + "\n"
    path = GOLDEN / f"{case}.yaml"
    if os.environ.get("HYDRO_UPDATE_GOLDEN") == "1":
        path.write_text(text)
    assert path.exists(), f"{path} missing: run with HYDRO_UPDATE_GOLDEN=1"
    assert text == path.read_text()
    assert_valid([d for d in yaml.safe_load_all(path.read_text()) if d and "kind" in d])
