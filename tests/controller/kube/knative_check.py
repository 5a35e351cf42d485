"""Shared by the planner, kube and knative tests: the strict schema validator plus admission checks.

The CRD folder is `HYDRO_KNATIVE_CRDS` or `<repo>/../shared/knative/crds`; a missing folder fails
the tests (never skips them), because then nothing would be validated.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import pytest

from controller.kube import admission
from controller.kube.schema import SchemaValidator, default_crd_dir


@functools.cache
def validator() -> SchemaValidator:
    crd_dir = default_crd_dir(os.environ)
    if not crd_dir.is_dir():
        pytest.fail(f"Knative CRD schemas not found at {crd_dir}; set HYDRO_KNATIVE_CRDS")
    return validator_at(str(crd_dir))


@functools.cache
def validator_at(path: str) -> SchemaValidator:
    from pathlib import Path

    return SchemaValidator(Path(path))


def problems(manifest: dict[str, Any]) -> list[str]:
    """Every schema and admission violation of one manifest, as readable strings."""
    return [str(v) for v in [*validator().validate(manifest), *admission.check(manifest)]]


def assert_valid(manifests: list[dict[str, Any]]) -> None:
    found = [p for m in manifests for p in problems(m)]
    assert not found, "\n".join(found)
