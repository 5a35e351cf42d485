"""The planner's input from the catalog rows: a frozen `DesiredState` snapshot."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from controller.catalog.records import VersionKind, VersionStatus
from controller.catalog.schema import Application, MetricSpec, Servable
from controller.desired_state import (
    ApplicationSpec,
    DesiredState,
    PlatformSpec,
    ServableSpec,
    StageSpec,
    VariantSpec,
)
from controller.resources import DeploymentConfiguration
from protos.contract import Contract

ServableKey = tuple[int, int | None]


def desired_state(
    session: Session, platform: PlatformSpec, image_for_runtime: Callable[[str], str]
) -> DesiredState:
    specs = _servables(session, image_for_runtime)
    applications = []
    for app in session.scalars(select(Application).order_by(Application.name)):
        spec = _application(app, specs)
        if spec is not None:
            applications.append(spec)
    ordered = tuple(sorted(specs.values(), key=lambda s: (s.model_name, s.model_version, s.key[2] or "")))
    return DesiredState(servables=ordered, applications=tuple(applications), platform=platform)


def _servables(session: Session, image_for_runtime: Callable[[str], str]) -> dict[ServableKey, ServableSpec]:
    """Every servable whose version is Released and served here (not external)."""
    monitors = set(session.scalars(select(MetricSpec.monitor_model_version_id)))
    specs: dict[ServableKey, ServableSpec] = {}
    for row in session.scalars(select(Servable).order_by(Servable.name)):
        version = row.model_version
        if version.status != VersionStatus.RELEASED or version.is_external or not version.artifact_uri:
            continue
        config = row.deployment_configuration
        specs[(version.id, row.deployment_configuration_id)] = ServableSpec(
            model_name=version.model.name, model_version=version.version, model_version_id=version.id,
            runtime=version.runtime, image=image_for_runtime(version.runtime),
            artifact_uri=version.artifact_uri, contract=Contract.from_dict(version.contract),
            deployment_configuration=DeploymentConfiguration.from_dict(config.spec) if config else None,
            is_metric=version.kind == VersionKind.METRIC or version.id in monitors, name=row.name,
        )
    return specs


def _application(app: Application, specs: dict[ServableKey, ServableSpec]) -> ApplicationSpec | None:
    """The application's spec, or None while any of its versions is not deployable yet."""
    stages: dict[int, list[VariantSpec]] = {}
    for variant in sorted(app.variants, key=lambda v: (v.stage, v.position)):
        servable = specs.get((variant.model_version_id, variant.deployment_configuration_id))
        if servable is None:
            return None
        stages.setdefault(variant.stage, []).append(VariantSpec(servable=servable, weight=variant.weight))
    if not stages:
        return None
    ordered = tuple(StageSpec(tuple(v)) for _, v in sorted(stages.items()))
    first = _serving(ordered[0]).servable.contract
    last = _serving(ordered[-1]).servable.contract
    contract = Contract(name=first.name, inputs=first.inputs, outputs=last.outputs)
    return ApplicationSpec(name=app.name, stages=ordered, contract=contract,
                           metadata=tuple(sorted((app.meta or {}).items())))


def _serving(stage: StageSpec) -> VariantSpec:
    """The stage's first non-shadow variant: its contract speaks for the stage."""
    return next(v for v in stage.variants if not v.is_shadow)
