"""`hydro plan` and `hydro deploy --backend knative`: the Knative manifests, printed or applied.

Register with `cli.add_command(plan_command)` and `cli.add_command(deploy_command)`.
With `-f` both work offline from resource files (see `offline_plan`); without it they plan the
controller's current catalog through `GET /api/v2/plan`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import yaml

from controller.cli import apply as applying
from controller.cli.client import ApiClient
from controller.cli.context import CliContext
from controller.cli.offline_plan import state_from_files
from controller.desired_state import PlatformSpec
from controller.planner import images, plan

FALLBACK_SERVER = "http://127.0.0.1:8080"


def _source_options(command: Any) -> Any:
    options = [
        click.option("-f", "paths", multiple=True, type=click.Path(exists=True, allow_dash=True),
                     help="Resource YAML (file, folder or -) to plan offline. Repeatable."),
        click.option("--namespace", default="hydro", show_default=True, help="Kubernetes namespace."),
        click.option("--bucket", default="hydro", show_default=True,
                     help="Object-store bucket holding the artifacts (with -f)."),
        click.option("--runtime-image", default=images.RUNTIME_IMAGE, show_default=True,
                     help="Image for model runtimes (with -f)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def fetch_plan(ctx: click.Context, paths: tuple[str, ...], namespace: str, bucket: str,
               runtime_image: str) -> dict[str, Any]:
    """`{"manifests": [...], "routing": {...}}` from the files, or from the controller's catalog."""
    if paths:
        state = state_from_files(applying.load(paths), bucket=bucket, platform=PlatformSpec(namespace=namespace),
                                 image_for_runtime=lambda runtime: images.image_for_runtime(runtime, runtime_image))
        return plan(state).to_dict()
    found = ctx.find_object(CliContext)
    client = found.client if found is not None else ApiClient(FALLBACK_SERVER)
    return dict(client.get(f"/api/v2/plan?namespace={namespace}"))


@click.command("plan")
@_source_options
@click.option("--routing", is_flag=True, help="Print the gateway routing table (JSON) instead.")
@click.pass_context
def plan_command(ctx: click.Context, paths: tuple[str, ...], namespace: str, bucket: str, runtime_image: str,
                 routing: bool) -> None:
    """Print the Knative manifests as multi-document YAML (pipe into `kubectl apply -f -`)."""
    result = fetch_plan(ctx, paths, namespace, bucket, runtime_image)
    if routing:
        click.echo(json.dumps(result["routing"], indent=2))
    else:
        click.echo(yaml.safe_dump_all(result["manifests"], sort_keys=False, explicit_start=True), nl=False)


@click.command("deploy")
@_source_options
@click.option("--backend", type=click.Choice(["knative"]), default="knative", show_default=True)
@click.option("--dry-run", is_flag=True, help="Server-side dry run: validated by the cluster, nothing stored.")
@click.option("--kubeconfig", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Kubeconfig file (default: in-cluster service account, else ~/.kube/config).")
@click.option("--context", "kube_context", default=None, help="Kubeconfig context.")
@click.option("--timeout", type=float, default=300.0, show_default=True, help="Seconds to wait for Ready.")
@click.option("--no-wait", is_flag=True, help="Do not wait for the objects to become Ready.")
@click.pass_context
def deploy_command(ctx: click.Context, paths: tuple[str, ...], namespace: str, bucket: str, runtime_image: str,
                   backend: str, dry_run: bool, kubeconfig: Path | None, kube_context: str | None,
                   timeout: float, no_wait: bool) -> None:
    """Apply the plan to a Knative cluster, prune what it dropped, and wait for Ready."""
    manifests = fetch_plan(ctx, paths, namespace, bucket, runtime_image)["manifests"]
    # Imported here so that every other command starts without loading the kubernetes client.
    from controller.kube.api import CustomObjectsKubeApi
    from controller.kube.applier import KubeApplier

    api = CustomObjectsKubeApi.from_kubeconfig(str(kubeconfig) if kubeconfig else None, kube_context)

    def report(kind: str, name: str, ready: bool | None, message: str) -> None:
        state = {True: "Ready", False: "NotReady", None: "Pending"}[ready]
        click.echo(f"{kind}/{name}: {state}{f' ({message})' if message else ''}")

    applier = KubeApplier(api, namespace, on_status=report)
    result = applier.apply(manifests, dry_run=dry_run, wait=not no_wait, timeout=timeout)
    for key, action in result.actions.items():
        click.echo(f"{key} {action}{' (dry run)' if dry_run else ''}")
    for key in result.pruned:
        click.echo(f"{key} pruned{' (dry run)' if dry_run else ''}")
    if result.statuses and not result.ready:
        raise click.ClickException(f"not Ready after {timeout:.0f}s: " + ", ".join(
            f"{s.kind}/{s.name}" for s in result.statuses if s.ready is not True))
