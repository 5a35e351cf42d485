"""How `hydro up` turns a planned Service into a local process: image -> Python module.

On a cluster the container image decides what runs; here the same manifests run as
`python -m runtimes` (model versions: one image serves every runtime) or `python -m functions`
(monitoring functions). A model version with an install-command runs under the Python of its own
build environment, so what the build installed is importable by the model.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Mapping
from typing import Any

from controller.catalog import Catalog
from controller.desired_state import DesiredState
from controller.local.engine import ProcessCommand
from controller.planner import images
from controller.planner.servable import service_name

MODULES = {images.RUNTIME_IMAGE: "runtimes", images.FUNCTIONS_IMAGE: "functions"}
WARM_POOLS = {"runtimes": "runtimes.zygote", "functions": "functions.host.zygote"}
"""Modules whose processes a warm pool under the same Python can fork pre-imported: model
workers (faster cold starts) and the monitoring functions (their shared imports counted once)."""


class Launcher:
    """`argv_for(manifest)`: the command line of one worker of a planned Service."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._lock = threading.Lock()
        self._pythons: dict[str, str] = {}

    def track(self, state: DesiredState) -> None:
        """Remember each model version's build Python (from the catalog) by Service name."""
        pythons = {}
        for spec in state.servables:
            python = self._catalog.get_version(spec.model_version_id).python_path
            if python:
                pythons[service_name(spec)] = python
        with self._lock:
            self._pythons = pythons

    def argv_for(self, manifest: Mapping[str, Any]) -> list[str]:
        container = manifest["spec"]["template"]["spec"]["containers"][0]
        module = MODULES.get(container["image"])
        if module is None:
            raise ValueError(f"image {container['image']!r} has no local equivalent; "
                             f"known images: {', '.join(sorted(MODULES))}")
        with self._lock:
            python = self._pythons.get(manifest["metadata"]["name"], sys.executable)
        return [python, "-m", module]

    def command_for(self, manifest: Mapping[str, Any]) -> ProcessCommand:
        """The worker's command, and the warm pool that can fork it (`controller.local.engine.warm_pool`)."""
        argv = tuple(self.argv_for(manifest))
        pool = WARM_POOLS.get(argv[-1])
        return ProcessCommand(argv, warm_pool=(argv[0], "-m", pool) if pool else None)
