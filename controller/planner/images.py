"""The container images a plan uses by default (overridable per call and with kustomize `images:`)."""

from __future__ import annotations

RUNTIME_IMAGE = "ghcr.io/hydro-serving/hydro-runtime:0.1.0"
"""One image serves every runtime: the model's own `runtime` (from model.json) picks the code."""
FUNCTIONS_IMAGE = "ghcr.io/hydro-serving/hydro-functions:0.1.0"
CONTROLLER_IMAGE = "ghcr.io/hydro-serving/hydro-controller:0.1.0"


def image_for_runtime(runtime: str, image: str = RUNTIME_IMAGE) -> str:
    """The image that runs a model written for Hydrosphere's `runtime` (all share one image)."""
    return image
