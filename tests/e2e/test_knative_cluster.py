"""Plan and apply a small application on a real Knative cluster, then wait for Ready.

Needs kind + Knative (serving, eventing, a default Broker class) and the base install; skipped
unless HYDRO_E2E_KUBECONFIG points at that cluster's kubeconfig (see docs/knative.md). The
runtime image must be pullable by the cluster (`HYDRO_E2E_RUNTIME_IMAGE`, default the planner's)
and HYDRO_E2E_MODEL_URI must name a model folder the runtime can fetch with the `hydro-artifacts`
Secret (e.g. one uploaded with `hydro apply`: s3://hydro/models/<name>/<version>).
"""

from __future__ import annotations

import dataclasses
import os
import uuid

import pytest

from controller.desired_state import DesiredState, PlatformSpec
from controller.kube.api import CustomObjectsKubeApi, resource_for
from controller.kube.applier import KubeApplier
from controller.planner import images, plan
from tests.controller.kube.knative_check import assert_valid
from tests.controller.planner import states as s

KUBECONFIG = os.environ.get("HYDRO_E2E_KUBECONFIG")
pytestmark = [
    pytest.mark.e2e_cluster,
    pytest.mark.skipif(not KUBECONFIG, reason="HYDRO_E2E_KUBECONFIG is not set (needs a Knative cluster)"),
]


def test_plan_applies_and_becomes_ready() -> None:
    namespace = os.environ.get("HYDRO_E2E_NAMESPACE", "hydro")
    image = os.environ.get("HYDRO_E2E_RUNTIME_IMAGE", images.RUNTIME_IMAGE)
    name = f"e2e-{uuid.uuid4().hex[:6]}"
    model_uri = os.environ.get("HYDRO_E2E_MODEL_URI")
    if not model_uri:
        pytest.fail("set HYDRO_E2E_MODEL_URI to a model folder the runtime can fetch")
    servable = dataclasses.replace(s.servable(name, 1), image=image, artifact_uri=model_uri)
    state = DesiredState(applications=(s.app(name, [(servable, 100)]),), platform=PlatformSpec(namespace=namespace))
    manifests = list(plan(state).manifests)
    assert_valid(manifests)
    api = CustomObjectsKubeApi.from_kubeconfig(KUBECONFIG)
    seen: list[tuple[str, str, bool | None, str]] = []
    applier = KubeApplier(api, namespace, on_status=lambda *status: seen.append(status))
    try:
        applier.apply(manifests, dry_run=True, prune=False)
        report = applier.apply(manifests, prune=False, timeout=600)
        assert report.ready, [s for s in report.statuses if s.ready is not True]
        assert any(kind == "Route" and ready for kind, _, ready, _ in seen)
    finally:
        # Remove what this test created; the Broker belongs to the installation and stays.
        for manifest in reversed(manifests):
            if manifest["kind"] != "Broker":
                api.delete(resource_for(manifest), namespace, manifest["metadata"]["name"], dry_run=False)
