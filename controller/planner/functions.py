"""The monitoring and interpretability functions every installation runs.

`DesiredState.functions` is normally this tuple; `knative/base/eventing.yaml` is rendered from
it by the planner (a test keeps the two identical), so a fresh `kubectl apply -k` and the
controller's own plan agree.
"""

from __future__ import annotations

from controller.desired_state import FunctionSpec
from controller.planner.images import FUNCTIONS_IMAGE
from protos import events

STANDARD_FUNCTIONS: tuple[FunctionSpec, ...] = (
    # Monitoring also computes the batch-window drift reports: the profiles it keeps are their input,
    # so its PingSource (every 5 minutes) runs the due windows instead of a separate drift function.
    FunctionSpec("monitoring", FUNCTIONS_IMAGE, (events.INFERENCE_COMPLETED, events.TRAININGDATA_UPLOADED),
                 schedule="*/5 * * * *"),
    FunctionSpec("alerts", FUNCTIONS_IMAGE, (events.CHECK_FAILED,)),
    FunctionSpec("explainer", FUNCTIONS_IMAGE, (events.EXPLANATION_REQUESTED,)),
    FunctionSpec("projector", FUNCTIONS_IMAGE, (events.PROJECTION_REQUESTED,)),
)
