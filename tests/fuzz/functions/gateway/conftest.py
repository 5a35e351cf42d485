"""A real gateway over a real runtime for the fuzzers: a python-runtime process that echoes every
contract dtype (scalar fields at their limits, plus a float vector), application `limits` planned
by the real planner, and the gateway's parts and Flask app in-process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from controller.desired_state import ApplicationSpec, DesiredState, ServableSpec, StageSpec, VariantSpec
from controller.planner import plan
from functions.gateway.components import Components
from functions.gateway.http_app import create_app
from functions.gateway.routing import RoutingTable
from functions.gateway.routing_source import RoutingSource
from functions.gateway.settings import GatewaySettings
from protos.contract import Contract
from tests.functions.gateway import tables
from tests.runtimes.conftest import write_model_folder
from tests.runtimes.runtime_process import RuntimeProcess

APP = "limits"
MODEL = ("limits-echo", 1, 301)
DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "bool", "string")
FIELDS: dict[str, Any] = {
    **{f"x_{dtype}": {"shape": "scalar", "type": dtype, "profile": "none"} for dtype in DTYPES},
    "vector": {"shape": [-1], "type": "float64", "profile": "numerical"},
}
CONTRACT: dict[str, Any] = {"name": "predict", "inputs": FIELDS, "outputs": FIELDS}
ECHO = "def predict(**inputs):\n    return inputs\n"
VALID_INPUTS: dict[str, Any] = {**{f"x_{d}": 1 for d in DTYPES[:-2]}, "x_bool": True, "x_string": "a",
                                "vector": [0.5, 1.5]}


def routing(address: str) -> dict[str, Any]:
    """The planner's table for application `limits` (one stage: the echo model) pointed at `address`."""
    name, version, version_id = MODEL
    servable = ServableSpec(name, version, version_id, "hydrosphere/serving-runtime-python-3.7:3.0.3", "img",
                            f"/models/{name}/{version}", Contract.from_dict(CONTRACT), name=f"{name}-{version}")
    app = ApplicationSpec(APP, (StageSpec((VariantSpec(servable, 100),)),), Contract.from_dict(CONTRACT))
    table = plan(DesiredState(servables=(servable,), applications=(app,))).routing
    return tables.pointed(table, {key: address for key in tables.cluster_hosts(table)})


@pytest.fixture(scope="session")
def echo_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RuntimeProcess]:
    folder = write_model_folder(tmp_path_factory.mktemp("limits"), "hydrosphere/serving-runtime-python-3.7:3.0.3",
                                CONTRACT, {"src/func_main.py": ECHO}, name=MODEL[0], version=MODEL[1])
    process = RuntimeProcess(str(folder))
    try:
        process.wait_serving()
        yield process
    finally:
        process.close()


@pytest.fixture(scope="session")
def limits_routing(echo_runtime: RuntimeProcess) -> dict[str, Any]:
    return routing(f"127.0.0.1:{echo_runtime.port}")


@pytest.fixture(scope="module")
def gateway_parts(tmp_path_factory: pytest.TempPathFactory, limits_routing: dict[str, Any]) -> Iterator[Components]:
    # A broker URL, so valid CloudEvents are accepted into the outbox (no shipper runs: they stay there).
    settings = GatewaySettings(outbox_path=tmp_path_factory.mktemp("outbox") / "outbox.db",
                               request_timeout_seconds=20.0, max_request_bytes=256 * 1024,
                               broker_url="http://127.0.0.1:9/hydro/hydro", auth_enabled=False)
    parts = Components(settings, routing=RoutingSource(RoutingTable.from_dict(limits_routing)))
    yield parts
    parts.close()


@pytest.fixture(scope="module")
def gateway_app(gateway_parts: Components) -> Flask:
    return create_app(gateway_parts)
