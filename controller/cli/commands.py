"""`hydro model|app|depconf|profile ...`: list, inspect and remove resources; predict; push data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from controller.cli import apply as applying
from controller.cli.client import ApiError
from controller.cli.context import CliContext
from controller.cli.output import render

VERSION_COLUMNS = (("id", "id"), ("name", "model.name"), ("version", "modelVersion"), ("status", "status"),
                   ("runtime", "runtime.name"), ("tag", "runtime.tag"), ("applications", "applications"))
APP_COLUMNS = (("id", "id"), ("name", "name"), ("status", "status"), ("message", "message"))
CONFIG_COLUMNS = (("name", "name"), ("hpa", "hpa"), ("deployment", "deployment"), ("container", "container"),
                  ("pod", "pod"))


def model_ref(text: str) -> tuple[str, int]:
    """`name:version` from the command line."""
    name, _, version = text.rpartition(":")
    if not name or not version.isdigit():
        raise click.BadParameter(f"expected NAME:VERSION, got {text!r}")
    return name, int(version)


@click.group("model")
def model() -> None:
    """Model versions."""


@model.command("list")
@click.option("--name", help="Only this model's versions.")
@click.pass_obj
def model_list(obj: CliContext, name: str | None) -> None:
    versions = obj.client.get("/api/v2/model/version" + (f"?model={name}" if name else ""))
    render(versions, obj.output, VERSION_COLUMNS, title="Model versions")


@model.command("get")
@click.argument("ref")
@click.pass_obj
def model_get(obj: CliContext, ref: str) -> None:
    """Show NAME:VERSION."""
    name, version = model_ref(ref)
    render(obj.client.get(f"/api/v2/model/version/{name}/{version}"), obj.output, VERSION_COLUMNS)


@model.command("logs")
@click.argument("ref")
@click.pass_obj
def model_logs(obj: CliContext, ref: str) -> None:
    """Print the build log of NAME:VERSION (follows a running build)."""
    name, version = model_ref(ref)
    found = obj.client.get(f"/api/v2/model/version/{name}/{version}")
    for _event, line in obj.client.events(f"/api/v2/model/version/{found['id']}/logs"):
        click.echo(line)


@model.command("rm")
@click.argument("name")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def model_rm(obj: CliContext, name: str, yes: bool) -> None:
    """Delete model NAME and all its versions."""
    found = obj.client.get(f"/api/v2/model/name/{name}")
    if not yes:
        click.confirm(f"Delete model {name} and all its versions?", abort=True)
    obj.client.delete(f"/api/v2/model/{found['id']}")
    click.echo(f"Model {name} deleted")


@click.group("app")
def app() -> None:
    """Applications."""


@app.command("list")
@click.pass_obj
def app_list(obj: CliContext) -> None:
    render(obj.client.get("/api/v2/application"), obj.output, APP_COLUMNS, title="Applications")


@app.command("get")
@click.argument("name")
@click.pass_obj
def app_get(obj: CliContext, name: str) -> None:
    found = obj.client.get(f"/api/v2/application/{name}")
    if obj.output != "table":
        render(found, obj.output, APP_COLUMNS)
        return
    rows = [{"stage": index, "model": f"{v['modelName']}:{v['modelVersion']}", "weight": v["weight"],
             "config": v.get("deploymentConfigurationName"), "servable": v.get("servableName")}
            for index, stage in enumerate(found["executionGraph"]["stages"]) for v in stage["modelVariants"]]
    render(found, "table", APP_COLUMNS)
    render(rows, "table", [(k, k) for k in ("stage", "model", "weight", "config", "servable")], title="Stages")


@app.command("rm")
@click.argument("name")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def app_rm(obj: CliContext, name: str, yes: bool) -> None:
    if not yes:
        click.confirm(f"Delete application {name}?", abort=True)
    obj.client.delete(f"/api/v2/application/{name}")
    click.echo(f"Application {name} deleted")


@app.command("predict")
@click.argument("name")
@click.option("-d", "--data", help="The request as JSON ({input: value, ...}).")
@click.option("-f", "--file", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A file holding the JSON request.")
@click.pass_obj
def app_predict(obj: CliContext, name: str, data: str | None, file: Path | None) -> None:
    """Send one JSON request to application NAME through the gateway."""
    body = _request_body(data, file)
    try:
        answer = obj.client.request("POST", f"/gateway/application/{name}", json=body).json()
    except ApiError as error:
        if error.status in (0, 404, 502, 503):
            raise click.ClickException(
                f"the gateway at {obj.client.server} cannot serve application {name!r} "
                f"({error.message}); is the application deployed and the gateway running?") from None
        raise
    click.echo(json.dumps(answer, indent=2))


def _request_body(data: str | None, file: Path | None) -> Any:
    if (data is None) == (file is None):
        raise click.UsageError("give the request with exactly one of --data or --file")
    text = data if data is not None else file.read_text(encoding="utf-8")  # type: ignore[union-attr]
    try:
        return json.loads(text)
    except ValueError as error:
        raise click.BadParameter(f"not valid JSON: {error}", param_hint="--data/--file") from None


@click.group("depconf")
def depconf() -> None:
    """Deployment configurations."""


@depconf.command("list")
@click.pass_obj
def depconf_list(obj: CliContext) -> None:
    render(obj.client.get("/api/v2/deployment_configuration"), obj.output, CONFIG_COLUMNS,
           title="Deployment configurations")


@depconf.command("get")
@click.argument("name")
@click.pass_obj
def depconf_get(obj: CliContext, name: str) -> None:
    render(obj.client.get(f"/api/v2/deployment_configuration/{name}"), obj.output, CONFIG_COLUMNS)


@depconf.command("rm")
@click.argument("name")
@click.pass_obj
def depconf_rm(obj: CliContext, name: str) -> None:
    obj.client.delete(f"/api/v2/deployment_configuration/{name}")
    click.echo(f"Deployment configuration {name} deleted")


@click.group("profile")
def profile() -> None:
    """Training data profiles."""


@profile.command("push")
@click.argument("ref")
@click.argument("source")
@click.pass_obj
def profile_push(obj: CliContext, ref: str, source: str) -> None:
    """Upload training data SOURCE (a CSV file or an s3:// URI) for model version NAME:VERSION."""
    name, version = model_ref(ref)
    found = obj.client.get(f"/api/v2/model/version/{name}/{version}")
    if source.startswith("s3://"):
        applying.push_training_data(obj.client, found["id"], source)
        return
    path = Path(source)
    if not path.is_file():
        raise click.BadParameter(f"{source!r} is not a file", param_hint="SOURCE")
    applying.push_training_data(obj.client, found["id"], path)


GROUPS = (model, app, depconf, profile)
