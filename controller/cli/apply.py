"""`hydro apply -f FILE|DIR|-`: create or update resources from Hydrosphere YAML, over the API.

Documents apply in dependency order (DeploymentConfiguration, Model, Application). A Model is
checked before anything is sent (payload, training data and monitoring models must exist),
packed, uploaded with a progress bar, built while its log streams, then gets its metric specs
and training data. An Application that exists is updated in place. Every error names the file,
the document and, where there is one, the field.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from controller.api.signature import contract_to_json
from controller.cli.client import ApiClient, ApiError
from controller.cli.payload import build_tarball, resolve_payload
from controller.errors import InvalidResource
from controller.resources import ApplicationDefinition, DeploymentConfiguration, ModelDefinition
from controller.resources.loader import LoadedResource, in_apply_order, load_path, load_stream

console = Console(highlight=False)


def load(paths: tuple[str, ...]) -> list[LoadedResource]:
    """Every resource of every `-f` argument; `-` reads stdin (paths relative to the cwd)."""
    resources: list[LoadedResource] = []
    for path in paths:
        if path == "-":
            resources.extend(load_stream(sys.stdin, "<stdin>", Path.cwd()))
        else:
            resources.extend(load_path(Path(path)))
    return resources


def apply_all(client: ApiClient, resources: list[LoadedResource]) -> None:
    for resource in in_apply_order(resources):
        try:
            APPLIERS[resource.kind](client, resource)
        except ApiError as error:
            raise click.ClickException(f"{resource.source}: {error.message}") from None


def apply_configuration(client: ApiClient, resource: LoadedResource) -> None:
    config = resource.definition
    assert isinstance(config, DeploymentConfiguration)
    client.post("/api/v2/deployment_configuration", config.to_dict())
    console.print(f"Deployment configuration [bold]{config.name}[/] applied")


def apply_application(client: ApiClient, resource: LoadedResource) -> None:
    app = resource.definition
    assert isinstance(app, ApplicationDefinition)
    body = application_body(app)
    try:
        client.get(f"/api/v2/application/{app.name}")
    except ApiError as error:
        if error.status != 404:
            raise
        client.post("/api/v2/application", body)
        console.print(f"Application [bold]{app.name}[/] created")
        return
    client.put("/api/v2/application", body)
    console.print(f"Application [bold]{app.name}[/] updated")


def application_body(app: ApplicationDefinition) -> dict[str, Any]:
    """The definition in its YAML shape, which the API accepts next to hydrosdk's (so the API's
    errors name the fields as the YAML file has them)."""
    pipeline = [
        [{"model": f"{v.model[0]}:{v.model[1]}", "weight": v.weight,
          "deployment_config": v.deployment_configuration} for v in stage.variants]
        for stage in app.stages
    ]
    body: dict[str, Any] = {"name": app.name, "metadata": dict(app.metadata)}
    if app.is_singular and pipeline[0][0]["weight"] == 100:
        body["singular"] = {k: v for k, v in pipeline[0][0].items() if k != "weight"}
    else:
        body["pipeline"] = pipeline
    return body


def apply_model(client: ApiClient, resource: LoadedResource) -> None:
    model = resource.definition
    assert isinstance(model, ModelDefinition)
    monitors = _monitoring_versions(client, model, resource.source)
    training = _training_source(model, resource)
    files = resolve_payload(resource.base_dir, model.payload, resource.source)
    with tempfile.TemporaryDirectory(prefix="hydro-upload-") as folder:
        tarball = build_tarball(files, Path(folder) / "payload.tar.gz")
        with _progress(f"Uploading {model.name}", tarball.stat().st_size) as advance:
            version = client.upload_model(tarball, upload_metadata(model), advance)
    ref = f"{model.name}:{version['modelVersion']}"
    console.print(f"Model version [bold]{ref}[/] uploaded (id {version['id']}), building:")
    for _event, line in client.events(f"/api/v2/model/version/{version['id']}/logs"):
        console.print(f"  {line}", style="dim", markup=False, soft_wrap=True)
    final = client.get(f"/api/v2/model/version/{version['id']}")
    if final["status"] != "Released":
        raise click.ClickException(f"{resource.source}: model version {ref} {final['status']}: "
                                   f"{final.get('statusMessage') or 'see the build log above'}")
    console.print(f"Model version [bold]{ref}[/] Released")
    for metric, monitor_id in zip(model.monitoring, monitors, strict=True):
        client.post("/api/v2/monitoring/metricspec", _metric_body(metric, version["id"], monitor_id))
    if training is not None:
        push_training_data(client, version["id"], training)


def upload_metadata(model: ModelDefinition) -> dict[str, Any]:
    """The upload's `metadata` part, as hydrosdk builds it."""
    name, _, tag = model.runtime.rpartition(":")
    runtime = {"name": name, "tag": tag} if name and "/" not in tag else {"name": model.runtime, "tag": "latest"}
    return {
        "name": model.name,
        "runtime": runtime,
        "modelSignature": contract_to_json(model.contract),
        "installCommand": model.install_command,
        "metadata": dict(model.metadata),
        "monitoringConfiguration": {"batchSize": model.batch_size},
    }


def push_training_data(client: ApiClient, version_id: int, source: str | Path) -> None:
    """Upload a local CSV (with progress) or register an `s3://` URI for the version."""
    base = f"/monitoring/profiles/batch/{version_id}"
    if isinstance(source, str):
        client.post(f"{base}/s3", {"path": source})
    else:
        with _progress(f"Uploading {source.name}", source.stat().st_size) as advance:
            client.upload_file(base, source, advance)
    console.print(f"Training data {source} uploaded")


def _monitoring_versions(client: ApiClient, model: ModelDefinition, source: str) -> list[int]:
    ids = []
    for index, metric in enumerate(model.monitoring):
        name, number = metric.monitoring_model
        try:
            ids.append(client.get(f"/api/v2/model/version/{name}/{number}")["id"])
        except ApiError as error:
            if error.status != 404:
                raise
            raise InvalidResource(f"monitoring[{index}].config.monitoring-model",
                                  f"model version {name}:{number} does not exist", source=source) from None
    return ids


def _training_source(model: ModelDefinition, resource: LoadedResource) -> str | Path | None:
    data = model.training_data
    if data is None or data.startswith("s3://"):
        return data
    path = resource.base_dir / data
    if not path.is_file():
        raise InvalidResource("training-data", f"{data!r} is not a file (looked in {resource.base_dir})",
                              source=resource.source)
    return path


def _metric_body(metric: Any, version_id: int, monitor_id: int) -> dict[str, Any]:
    return {
        "name": metric.name,
        "modelVersionId": version_id,
        "config": {"modelVersionId": monitor_id, "threshold": metric.threshold,
                   "thresholdCmpOperator": {"kind": metric.operator}},
    }


@contextmanager
def _progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(label, total=total)
        yield lambda sent: progress.advance(task, sent)


APPLIERS: dict[str, Callable[[ApiClient, LoadedResource], None]] = {
    "DeploymentConfiguration": apply_configuration,
    "Model": apply_model,
    "Application": apply_application,
}
