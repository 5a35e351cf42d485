"""From settings to a loaded model: fetch the folder, read it, pick the runtime, load it."""

from __future__ import annotations

import logging

from runtimes.artifact import ModelArtifact
from runtimes.batching import Batcher, batching_infer
from runtimes.dataplane import DataPlane, model_identity
from runtimes.errors import HydroRuntimeError, ModelLoadError
from runtimes.fetch import fetch_model
from runtimes.registry import resolve_runtime
from runtimes.settings import RuntimeSettings

logger = logging.getLogger(__name__)


def load_model(settings: RuntimeSettings) -> DataPlane:
    """The data plane of the model at `settings.model_uri`; `ModelLoadError` says why not."""
    folder = fetch_model(settings.model_uri, settings.model_cache, settings.s3)
    artifact = ModelArtifact.from_folder(folder)
    runtime_class = resolve_runtime(artifact.runtime)
    label = f"model {artifact.name}" + (f" v{artifact.version}" if artifact.version is not None else "")
    logger.info("loading %s with %s from %s", label, runtime_class.__name__, artifact.payload)
    runtime = runtime_class(artifact.payload, artifact.contract)
    try:
        runtime.load()
    except HydroRuntimeError:
        raise
    except Exception as exc:
        raise ModelLoadError(f"{label} failed to load: {type(exc).__name__}: {exc}") from exc
    logger.info("%s loaded", label)
    infer = batching_infer(runtime, artifact.metadata, settings.batching)
    identity = model_identity(artifact.name, artifact.version)
    return DataPlane(artifact.contract, infer, identity, batched=isinstance(infer, Batcher))
