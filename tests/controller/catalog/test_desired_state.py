from __future__ import annotations

from pathlib import Path

from controller.catalog import Catalog, VersionKind
from controller.desired_state import PlatformSpec
from tests.controller.catalog.conftest import application, config, model, released

PLATFORM = PlatformSpec(namespace="ml")


def _image(runtime: str) -> str:
    return f"registry.local/{runtime.rsplit('/', 1)[-1]}"


def test_two_stage_application_with_split_and_shadow(catalog: Catalog, payload: Path) -> None:
    pre = released(catalog, payload, "prep")
    v1, v2, v3 = (released(catalog, payload) for _ in range(3))
    catalog.create_deployment_configuration(config("big", max_replicas=8))
    catalog.create_application(application("claims", [
        [{"model": "prep:1"}],
        [{"model": "claims-model:1", "weight": 80, "deployment-config": "big"},
         {"model": "claims-model:2", "weight": 20},
         {"model": "claims-model:3", "weight": 0}],
    ], metadata={"team": "risk"}))

    state = catalog.desired_state(PLATFORM, _image)

    assert state.platform == PLATFORM
    assert [s.key for s in state.servables] == [
        ("claims-model", 1, "big"), ("claims-model", 2, None), ("claims-model", 3, None), ("prep", 1, None)]
    [app] = state.applications
    assert app.name == "claims" and app.metadata == (("team", "risk"),)
    first, second = app.stages
    assert [(v.servable.model_version_id, v.weight) for v in first.variants] == [(pre, 100)]
    assert [(v.servable.model_version_id, v.weight, v.is_shadow) for v in second.variants] == [
        (v1, 80, False), (v2, 20, False), (v3, 0, True)]
    big = second.variants[0].servable
    assert big.deployment_configuration is not None and big.deployment_configuration.hpa is not None
    assert big.deployment_configuration.hpa.max_replicas == 8
    assert big.image == "registry.local/serving-runtime-python-3.7:3.0.0"
    assert big.artifact_uri == catalog.get_version(v1).artifact_uri
    assert app.contract.inputs == first.variants[0].servable.contract.inputs
    assert app.contract.outputs == big.contract.outputs


def test_unreleased_versions_hold_back_their_applications(catalog: Catalog, payload: Path) -> None:
    released(catalog, payload)
    building = catalog.create_model_version(model(), payload)
    catalog.create_application(application("ready", [[{"model": "claims-model:1"}]]))
    catalog.create_application(application("waiting", [[{"model": "claims-model:1"}], [{"model": "claims-model:2"}]]))
    catalog.create_servable("claims-model", 2)
    state = catalog.desired_state(PLATFORM, _image)
    assert [a.name for a in state.applications] == ["ready"]
    assert [s.key for s in state.servables] == [("claims-model", 1, None)]
    catalog.finish_build(building.id, succeeded=True)
    assert [a.name for a in catalog.desired_state(PLATFORM, _image).applications] == ["ready", "waiting"]


def test_standalone_servables_and_metric_models_are_included(catalog: Catalog, payload: Path) -> None:
    monitor = catalog.create_model_version(model("outliers"), payload, kind=VersionKind.METRIC)
    catalog.finish_build(monitor.id, succeeded=True)
    target = released(catalog, payload)
    scorer = released(catalog, payload, "scorer")
    catalog.create_metric_spec("outlier", target, monitor.id)
    catalog.create_metric_spec("score", target, scorer)
    catalog.create_servable("claims-model", 1)
    catalog.register_external_model(model("external"))
    state = catalog.desired_state(PLATFORM, _image)
    assert [(s.model_name, s.is_metric) for s in state.servables] == [
        ("claims-model", False), ("outliers", True), ("scorer", True)]
    assert state.applications == ()
