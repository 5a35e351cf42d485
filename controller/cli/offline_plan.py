"""A DesiredState straight from resource files, for `hydro plan -f` without a controller.

Every Model in the files becomes a servable of version 1, or of each version `name:N` that an
Application in the files references (the files describe the model; the version number is what
the catalog would have assigned). Artifacts are expected at `s3://<bucket>/models/<name>/<N>`,
where the controller stores uploads. A reference to a model or deployment configuration that the
files do not define is an error: no placeholder is ever planned.
"""

from __future__ import annotations

from collections.abc import Callable

from controller.desired_state import (
    ApplicationSpec,
    DesiredState,
    PlatformSpec,
    ServableSpec,
    StageSpec,
    VariantSpec,
)
from controller.errors import InvalidResource
from controller.resources import ApplicationDefinition, DeploymentConfiguration, ModelDefinition
from controller.resources.loader import LoadedResource
from protos.contract import Contract


def state_from_files(resources: list[LoadedResource], *, bucket: str, platform: PlatformSpec,
                     image_for_runtime: Callable[[str], str]) -> DesiredState:
    models = {r.definition.name: r for r in resources if isinstance(r.definition, ModelDefinition)}
    configs = {r.definition.name: r.definition for r in resources
               if isinstance(r.definition, DeploymentConfiguration)}
    apps = [r for r in resources if isinstance(r.definition, ApplicationDefinition)]

    def servable(name: str, version: int, config: str | None, source: str, field: str) -> ServableSpec:
        if name not in models:
            raise InvalidResource(field, f"model {name}:{version} is not defined in the files", source=source)
        if config is not None and config not in configs:
            raise InvalidResource(field, f"deployment configuration {config!r} is not defined in the files",
                                  source=source)
        model = models[name].definition
        assert isinstance(model, ModelDefinition)
        return ServableSpec(
            model_name=name, model_version=version, model_version_id=version,
            runtime=model.runtime, image=image_for_runtime(model.runtime),
            artifact_uri=f"s3://{bucket}/models/{name}/{version}", contract=model.contract,
            deployment_configuration=configs[config] if config else None,
        )

    applications = tuple(_application(r, servable) for r in apps)
    used = {v.servable.model_name for a in applications for s in a.stages for v in s.variants}
    standalone = tuple(servable(name, 1, None, r.source, "name") for name, r in models.items() if name not in used)
    return DesiredState(servables=standalone, applications=applications, platform=platform)


def _application(resource: LoadedResource,
                 servable: Callable[[str, int, str | None, str, str], ServableSpec]) -> ApplicationSpec:
    app = resource.definition
    assert isinstance(app, ApplicationDefinition)
    stages = []
    for i, stage in enumerate(app.stages):
        variants = tuple(
            VariantSpec(servable(v.model[0], v.model[1], v.deployment_configuration, resource.source,
                                 f"pipeline[{i}][{j}].model"), v.weight)
            for j, v in enumerate(stage.variants)
        )
        stages.append(StageSpec(variants))
    first = next(v for v in stages[0].variants if not v.is_shadow).servable.contract
    last = next(v for v in stages[-1].variants if not v.is_shadow).servable.contract
    contract = Contract(first.name, first.inputs, last.outputs)
    return ApplicationSpec(app.name, tuple(stages), contract, tuple(sorted(app.metadata.items())))
