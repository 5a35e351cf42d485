"""What every view needs, attached to the Flask app once by `create_app`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

from flask import current_app

from controller.catalog.service import Catalog
from controller.settings import ControllerSettings

EXTENSION = "hydro"


class BuildStarter(Protocol):
    """Starts a model version's build in the background (the catalog records the outcome);
    `controller.builds.BuildRunner` is the real one."""

    def submit(self, version_id: int) -> object: ...


class ServableLogSource(Protocol):
    """Where a servable's runtime logs come from (the local engine's workers, or the cluster)."""

    def lines(self, servable_name: str, follow: bool) -> Iterator[str]:
        """The servable's log lines; with `follow`, keep yielding new lines until the caller stops."""
        ...


@dataclass(frozen=True)
class ApiContext:
    settings: ControllerSettings
    catalog: Catalog
    builds: BuildStarter
    servable_logs: ServableLogSource | None
    poll_seconds: float = 0.25
    """How often SSE streams look for new build output when nothing woke them."""
    function_url: Callable[[str], str | None] | None = None
    """A function's base URL by name (`monitoring`, `alerts`...), None while it is not running."""


def context() -> ApiContext:
    """The running app's context (inside a request)."""
    return current_app.extensions[EXTENSION]
