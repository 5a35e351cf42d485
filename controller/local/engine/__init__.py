"""The local serverless engine: Hydro's Knative manifests realised as local processes (`hydro up`).

`LocalApplier` takes a `controller.planner.Plan`: model-version Services become pools of runtime
workers behind a gRPC activator (scale from zero with held calls, scale up under concurrency,
back to zero when idle), Routes a weighted choice among revisions, Triggers go to a
`LocalBroker`, Sequences and PingSources run in the engine. See `applier.py`.
"""

from __future__ import annotations

from controller.local.engine.activator import TARGET_HEADER
from controller.local.engine.applier import DEAD_LETTER_SERVICE, LocalApplier
from controller.local.engine.environment import CommandFor, EnvSources, ProcessCommand
from controller.local.engine.errors import DeadlineExceeded, MissingTarget, ServiceUnavailable, UnknownTarget
from controller.local.engine.logs import ServiceLogs
from controller.local.engine.ping import PING_TYPE
from controller.local.engine.settings import EngineSettings
from controller.local.engine.status import ApplicationStatus, ServiceStatus, StatusSink
from controller.local.engine.worker import WorkerInfo

__all__ = [
    "DEAD_LETTER_SERVICE",
    "PING_TYPE",
    "TARGET_HEADER",
    "ApplicationStatus",
    "CommandFor",
    "DeadlineExceeded",
    "EngineSettings",
    "EnvSources",
    "LocalApplier",
    "MissingTarget",
    "ProcessCommand",
    "ServiceLogs",
    "ServiceStatus",
    "ServiceUnavailable",
    "StatusSink",
    "UnknownTarget",
    "WorkerInfo",
]
