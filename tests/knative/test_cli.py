"""`hydro plan` / `hydro deploy`: the acceptance example, offline states, and a deploy to the fake API."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from controller.cli.client import ApiClient
from controller.cli.context import CliContext
from controller.cli.knative_commands import deploy_command, plan_command
from tests.controller.kube.knative_check import assert_valid
from tests.controller.kube.kube_api_server import KubeApiServer

EXAMPLE = Path(__file__).parent / "examples" / "claims-pipeline.yaml"


def _run(*args: str) -> str:
    result = CliRunner().invoke(plan_command, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_plan_of_hydrosphere_pipeline_example_passes_validation() -> None:
    manifests = [d for d in yaml.safe_load_all(_run("-f", str(EXAMPLE))) if d]
    assert_valid(manifests)
    names = {(m["kind"], m["metadata"]["name"]) for m in manifests}
    assert {("Service", "mv-claims-preprocessing-1"), ("Service", "mv-claims-model-1"),
            ("Service", "mv-claims-model-2"), ("Route", "app-claims-pipeline-s0"),
            ("Route", "app-claims-pipeline-s1"), ("Sequence", "app-claims-pipeline"),
            ("Trigger", "app-claims-pipeline-request"), ("Broker", "hydro")} == names
    route = next(m for m in manifests if m["metadata"]["name"] == "app-claims-pipeline-s1")
    assert [(t["tag"], t["percent"]) for t in route["spec"]["traffic"]] == [("v1", 80), ("v2", 20)]
    service = next(m for m in manifests if m["metadata"]["name"] == "mv-claims-model-2")
    env = service["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "HYDRO_MODEL_URI", "value": "s3://hydro/models/claims-model/2"} in env


def test_plan_routing_gives_the_application_contract() -> None:
    import json

    routing = json.loads(_run("-f", str(EXAMPLE), "--routing", "--namespace", "ml"))
    app = routing["applications"]["claims-pipeline"]
    assert list(app["contract"]["inputs"]) == ["claim"] and list(app["contract"]["outputs"]) == ["fraud"]
    assert app["stages"][1]["url"] == "http://app-claims-pipeline-s1.ml.svc.cluster.local"


def test_plan_refuses_models_the_files_do_not_define(tmp_path: Path) -> None:
    app = tmp_path / "app.yaml"
    app.write_text("kind: Application\nname: lonely\nsingular:\n  model: ghost:3\n")
    result = CliRunner().invoke(plan_command, ["-f", str(app)])
    assert result.exit_code != 0
    assert "ghost:3 is not defined in the files" in str(result.exception)


def test_plan_without_files_asks_the_controller(tmp_path: Path) -> None:
    server = KubeApiServer().start()  # nothing listens on /api/v2/plan there: a clean 404 error
    try:
        group = click.Group(commands={"plan": plan_command})
        result = CliRunner().invoke(group, ["plan"], obj=CliContext(ApiClient(server.url), "table"))
    finally:
        server.stop()
    assert result.exit_code != 0
    assert server.state.requests[-1].path == "/api/v2/plan"
    assert server.state.requests[-1].query == {"namespace": "hydro"}


@pytest.mark.parametrize("dry_run", [True, False])
def test_deploy_applies_through_a_kubeconfig(tmp_path: Path, dry_run: bool) -> None:
    server = KubeApiServer().start()
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "fake",
        "clusters": [{"name": "fake", "cluster": {"server": server.url}}],
        "users": [{"name": "me", "user": {"token": "t"}}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "me"}}],
    }))
    try:
        args = ["-f", str(EXAMPLE), "--kubeconfig", str(kubeconfig), "--no-wait"] + (["--dry-run"] if dry_run else [])
        result = CliRunner().invoke(deploy_command, args, catch_exceptions=False)
        stored = server.objects("services")
    finally:
        server.stop()
    assert result.exit_code == 0, result.output
    assert "Route/app-claims-pipeline-s1 created" in result.output
    assert set(stored) == (set() if dry_run else {"mv-claims-preprocessing-1", "mv-claims-model-1",
                                                  "mv-claims-model-2"})
