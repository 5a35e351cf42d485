"""Keeps the local engine in step with the catalog: catalog change -> plan -> `engine.apply`.

Every committed catalog change wakes the loop (debounced, so an `hs apply` of ten documents is
one reconcile); a periodic pass catches anything a listener could miss. Planning and applying
happen on this one thread, so applies never overlap. A failing apply is logged and retried on the
next pass; it never stops the loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from controller.catalog import Catalog
from controller.catalog_loop import CatalogLoop
from controller.desired_state import DesiredState, FunctionSpec, PlatformSpec
from controller.planner import Plan, images, plan

logger = logging.getLogger(__name__)

DEBOUNCE_S = 0.1
RESYNC_EVERY_S = 10.0


class Applier(Protocol):
    def apply(self, plan: Plan) -> Any: ...


class Reconciler:
    """Plans the catalog and applies the plan on a background thread."""

    def __init__(self, catalog: Catalog, applier: Applier, platform: PlatformSpec,
                 functions: tuple[FunctionSpec, ...],
                 before_apply: Callable[[DesiredState, Plan], None] | None = None) -> None:
        self._catalog = catalog
        self._applier = applier
        self._platform = platform
        self._functions = functions
        self._before_apply = before_apply
        self._loop = CatalogLoop(catalog, self._pass, name="reconciler", period=RESYNC_EVERY_S, debounce=DEBOUNCE_S)
        self._applied = threading.Condition()
        self._started = 0
        self._finished = 0
        self.last_plan: Plan | None = None
        self.last_error: str | None = None

    def desired_state(self) -> DesiredState:
        state = self._catalog.desired_state(self._platform, images.image_for_runtime)
        return DesiredState(state.servables, state.applications, self._functions, state.platform)

    def reconcile_once(self) -> Plan:
        """Plan the catalog as it is now and apply it (on the caller's thread)."""
        state = self.desired_state()
        current = plan(state)
        if self._before_apply is not None:
            self._before_apply(state, current)
        self._applier.apply(current)
        self.last_plan = current
        return current

    def start(self) -> None:
        self._loop.start()
        self._loop.wake()

    def stop(self) -> None:
        self._loop.stop()

    def wait_applied(self, timeout: float) -> bool:
        """Block until a reconcile that started after this call has finished."""
        with self._applied:
            target = self._started + 1  # a pass already running may predate the caller's change
            self._loop.wake()
            return self._applied.wait_for(lambda: self._finished >= target, timeout)

    def _pass(self) -> None:
        with self._applied:
            self._started += 1
        try:
            self.reconcile_once()
            self.last_error = None
        except Exception as error:
            self.last_error = f"{type(error).__name__}: {error}"
            logger.exception("reconciling the catalog with the local engine failed; retrying on the next pass")
        with self._applied:
            self._finished += 1
            self._applied.notify_all()
