"""The explainer function (`HYDRO_FUNCTION=explainer`): why did the model answer that?

Explanations of stored production requests (Hydrosphere's root-cause service), asynchronous:
`POST /rootcause/explanation` stores the request PENDING and publishes
`dev.hydro.explanation.requested` to the Broker (`HYDRO_BROKER_URL`); the Broker's Trigger
delivers it back to `POST /`, where it runs (STARTED) and ends SUCCESS, FAILED or NOT_SUPPORTED
with a reason. Without a Broker the request runs on a local background thread of this process
(see `dispatch`). Delivery is idempotent on the event: a redelivered event changes nothing.

Methods (`functions.interpretability`):
- `anchor`: the conditions on the inputs under which the model (almost) always gives this
  answer; perturbations are drawn from the version's training CSV and scored by the model's
  Service (gRPC, in batches when its contract takes batches, else a few rows at a time);
- `rise`: a saliency map (list and base64 PNG) for a model with one image input;
- `outlier`: the request's fields ranked by distance from the training data (no model call).

`GET /rootcause/supported/{id}` says which methods the contract allows and why not. The read
API is in `functions.explainer.api`, the settings (`HYDRO_MONITORING_URL`, `HYDRO_INTERPRET_*`)
in `functions.explainer.settings`. Requests live in the `fn_explanations` table.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from functions.explainer.settings import InterpretSettings
from functions.host.settings import FunctionSettings

if TYPE_CHECKING:
    from functions.explainer.function import NAME, ExplainerFunction

MAX_MESSAGE_BYTES = 64 * 1024 * 1024

__all__ = ["NAME", "ExplainerFunction", "InterpretSettings", "new", "validate_environment"]


def __getattr__(name: str) -> Any:
    # The explainer's modules load when the host builds it (`new`), not when the projector imports
    # the modules it shares with it (settings, sources, jobs, dispatch).
    if name in ("NAME", "ExplainerFunction"):
        return getattr(importlib.import_module("functions.explainer.function"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def validate_environment(environ: Mapping[str, str]) -> None:
    """Checked by the host before it forks: a bad variable stops the start."""
    InterpretSettings.from_env(FunctionSettings.from_env(environ), environ)


def new(settings: FunctionSettings) -> ExplainerFunction:
    """The explainer for `python -m functions`."""
    from functions.explainer.function import ExplainerFunction, scratch_dir
    from functions.explainer.methods import Explainer
    from functions.explainer.model_calls import ModelCaller
    from functions.explainer.sources import Catalog, Monitoring
    from functions.gateway.routing_source import PolledRouting
    from functions.gateway.upstream import Upstream
    from functions.host.controller_client import controller_session
    from functions.host.store import Store

    config = InterpretSettings.from_env(settings, os.environ)
    if not settings.database_url:
        settings.home.mkdir(parents=True, exist_ok=True)
    routing = PolledRouting(f"{config.controller_url}/api/v2/plan/routing", config.routing_poll_s,
                            timeout=config.http_timeout_s, session=controller_session(settings))
    models = ModelCaller(routing, Upstream(MAX_MESSAGE_BYTES, override=config.upstream), config.model_timeout_s,
                         config.model_concurrency)
    explainer = Explainer(Catalog(config.controller_url, config.http_timeout_s, controller_session(settings)),
                          Monitoring(config.monitoring_url, config.http_timeout_s, controller_session(settings)),
                          models, config,
                          scratch_dir(settings.home))
    return ExplainerFunction(Store(settings.effective_database_url), config, explainer, routing)
