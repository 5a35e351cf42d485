"""The real hs 3.0.3 / hydrosdk 3.0.3 clients run here, and they call the documented contract.

Each contract test starts a request recorder (tests/compat/recorder.py), runs the real client
against it and asserts the exact method, path and body the client sent: these pin the calls
documented in docs/api-hydrosphere.md.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.compat.conftest import ClientResult, RunHs
from tests.compat.payloads import model_version_json
from tests.compat.recorder import Recorder, Reply, json_reply, sse_reply


def test_hs_help_lists_commands(run_hs: RunHs) -> None:
    result = run_hs("--help")
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split("Commands:", 1)[1].split()
    for command in ("apply", "app", "cluster", "depconf", "model", "profile", "servable"):
        assert command in listed


def test_cluster_add_writes_config_without_contacting_server(run_hs: RunHs, recorder: Recorder, hs_home: Path) -> None:
    result = run_hs("cluster", "add", "--name", "local", "--server", recorder.url)
    assert result.returncode == 0, result.stderr
    assert f"Cluster local at {recorder.url} added successfully" in result.stdout
    config = yaml.safe_load((hs_home / ".hs" / "config.yaml").read_text())
    assert config == {"current_cluster": "local", "clusters": [{"name": "local", "cluster": {"server": recorder.url}}]}
    assert recorder.calls() == []


def test_hydrosdk_cluster_without_grpc_makes_no_call(run_sdk: Callable[..., ClientResult], recorder: Recorder) -> None:
    code = f"from hydrosdk.cluster import Cluster; c = Cluster({recorder.url!r}); print(c.channel)"
    result = run_sdk(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "None"
    assert recorder.calls() == []


@pytest.mark.parametrize(
    "recorder", [{("GET", "/api/v2/model/version"): json_reply([model_version_json()])}], indirect=True
)
def test_hs_model_list_reads_all_versions(run_hs: RunHs, with_cluster: Recorder) -> None:
    result = run_hs("model", "list")
    assert result.returncode == 0, result.stderr
    assert with_cluster.calls() == [("GET", "/api/v2/model/version")]
    row = next(line for line in result.stdout.splitlines() if "demo" in line)
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    # hs prints the status enum with format(); Python 3.11 renders a str-mixin Enum by its name.
    assert cells == [
        "1",
        "demo",
        "3",
        "ModelVersionStatus.Released",
        "hydrosphere/serving-runtime-python-3.7:3.0.3",
        "['demo-app']",
    ]


@pytest.mark.parametrize(
    ("recorder", "args", "expected_call"),
    [
        ({("GET", "/api/v2/application"): json_reply([])}, ("app", "list"), ("GET", "/api/v2/application")),
        (
            {("DELETE", "/api/v2/application/demo-app"): json_reply({})},
            ("app", "rm", "-y", "demo-app"),
            ("DELETE", "/api/v2/application/demo-app"),
        ),
        (
            {("GET", "/api/v2/deployment_configuration"): json_reply([])},
            ("depconf", "list"),
            ("GET", "/api/v2/deployment_configuration"),
        ),
        (
            {("DELETE", "/api/v2/deployment_configuration/big"): json_reply({})},
            ("depconf", "rm", "big"),
            ("DELETE", "/api/v2/deployment_configuration/big"),
        ),
        ({("GET", "/api/v2/servable"): json_reply([])}, ("servable", "list"), ("GET", "/api/v2/servable")),
    ],
    indirect=["recorder"],
)
def test_hs_commands_call_documented_paths(
    run_hs: RunHs, with_cluster: Recorder, args: tuple[str, ...], expected_call: tuple[str, str]
) -> None:
    result = run_hs(*args)
    assert result.returncode == 0, result.stderr
    assert with_cluster.calls() == [expected_call]


EVENTS_ROUTES: dict[tuple[str, str], Reply] = {
    ("GET", "/api/v2/events"): sse_reply(
        [
            ("ApplicationUpdate", json.dumps({"name": "other", "status": "Assembling"})),
            ("ModelUpdate", json.dumps(model_version_json(status="Released", mv_id=2))),
            ("ModelUpdate", json.dumps(model_version_json(status="Released", mv_id=1))),
        ]
    ),
    ("GET", "/api/v2/model/version"): json_reply([model_version_json(status="Assembling")]),
}


@pytest.mark.parametrize("recorder", [EVENTS_ROUTES], indirect=True)
def test_lock_till_released_waits_for_model_update_event(
    run_sdk: Callable[..., ClientResult], recorder: Recorder
) -> None:
    code = textwrap.dedent(f"""
        from hydrosdk.cluster import Cluster
        from hydrosdk.modelversion import ModelVersion
        mv = ModelVersion.find_by_id(Cluster({recorder.url!r}), 1)
        print("before", mv.status.value)
        mv.lock_till_released(timeout=10)
        print("after", mv.status.value)
    """)
    result = run_sdk(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["before", "Assembling", "after", "Released"]
    assert recorder.calls() == [
        ("GET", "/api/v2/model/version"),
        ("GET", "/api/v2/events"),
        ("GET", "/api/v2/model/version"),
    ]
