"""CloudEvent types, extension attribute names and sources shared by every deployable.

Extension names follow the CloudEvents rule: lowercase ASCII letters and digits only.
"""

from __future__ import annotations

from typing import Final

# Data-plane events.
INFERENCE_COMPLETED: Final = "dev.hydro.inference.completed"
"""One per stage execution: the request, the response or the error, and ExecutionMetadata."""
PREDICTION_REQUEST: Final = "dev.hydro.prediction.request"
"""An asynchronous inference request for the application named in `hydroapp`."""
PREDICTION_RESPONSE: Final = "dev.hydro.prediction.response"
"""The result of an asynchronous inference, sent back to the Broker."""
TRAININGDATA_UPLOADED: Final = "dev.hydro.trainingdata.uploaded"
CHECK_FAILED: Final = "dev.hydro.check.failed"
EXPLANATION_REQUESTED: Final = "dev.hydro.explanation.requested"
PROJECTION_REQUESTED: Final = "dev.hydro.projection.requested"

# State changes the controller publishes after it commits them.
MODEL_VERSION_CHANGED: Final = "dev.hydro.modelversion.changed"
APPLICATION_CHANGED: Final = "dev.hydro.application.changed"
SERVABLE_CHANGED: Final = "dev.hydro.servable.changed"
DEPLOYMENT_CONFIGURATION_CHANGED: Final = "dev.hydro.deploymentconfiguration.changed"

ALL_TYPES: Final[frozenset[str]] = frozenset(
    {
        INFERENCE_COMPLETED,
        PREDICTION_REQUEST,
        PREDICTION_RESPONSE,
        TRAININGDATA_UPLOADED,
        CHECK_FAILED,
        EXPLANATION_REQUESTED,
        PROJECTION_REQUESTED,
        MODEL_VERSION_CHANGED,
        APPLICATION_CHANGED,
        SERVABLE_CHANGED,
        DEPLOYMENT_CONFIGURATION_CHANGED,
    }
)

# Extension attributes: which application, stage, model and model version an event concerns.
EXT_APP: Final = "hydroapp"
EXT_STAGE: Final = "hydrostage"
EXT_MODEL: Final = "hydromodel"
EXT_VERSION: Final = "hydroversion"
EXT_REQUEST_ID: Final = "hydrorequestid"
"""The asynchronous request an event belongs to (the id of the original prediction.request event)."""
EXT_STEP_PASS: Final = "hydrosteppass"
"""Lets the next Sequence step of one asynchronous request run without a token (functions/gateway/step_pass.py)."""
ALL_EXTENSIONS: Final[frozenset[str]] = frozenset({EXT_APP, EXT_STAGE, EXT_MODEL, EXT_VERSION, EXT_REQUEST_ID,
                                                   EXT_STEP_PASS})

# Sources (CloudEvents `source`, a URI reference); functions use SOURCE_FUNCTIONS + "/<name>".
SOURCE_GATEWAY: Final = "/hydro/gateway"
SOURCE_RUNTIME: Final = "/hydro/runtime"
SOURCE_CONTROLLER: Final = "/hydro/controller"
SOURCE_FUNCTIONS: Final = "/hydro/functions"
