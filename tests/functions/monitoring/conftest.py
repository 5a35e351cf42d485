"""Fixtures for the monitoring tests: a real controller, a real store (SQLite, or PostgreSQL when
marked), the monitoring function built over them, and a real runtime serving a metric model."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from functions.gateway.routing import RoutingTable
from functions.gateway.routing_source import RoutingSource
from functions.gateway.upstream import Upstream
from functions.host.store import Store
from functions.monitoring import MonitoringFunction, MonitoringSettings
from functions.monitoring import profile_store as stored_profiles
from functions.monitoring.manager import ManagerApi
from functions.monitoring.profiles import profile_csv
from protos.contract import Contract
from tests.functions.monitoring.support import (
    AGE_METRIC,
    Controller,
    contract,
    rows,
    running_controller,
    serving_folder,
    write_csv,
)
from tests.runtimes.runtime_process import RuntimeProcess

METRIC_CONTRACT = {"name": "predict", "inputs": {"age": {"shape": "scalar", "type": "double", "profile": "numerical"}},
                  "outputs": {"value": {"shape": "scalar", "type": "double"}}}
Factory = Callable[..., MonitoringFunction]


@pytest.fixture(scope="module")
def controller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Controller]:
    with running_controller(tmp_path_factory.mktemp("controller")) as live:
        yield live


@pytest.fixture(scope="module")
def training_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(tmp_path_factory.mktemp("training") / "train.csv", rows(2000, seed=0))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'functions.db'}"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'functions.db'}"


def static_routing(servables: dict[int, str] | None = None, metric_contract: dict[str, Any] | None = None
                   ) -> RoutingSource:
    """A routing table whose servables are metric model version id -> `host:port`."""
    entries = {f"metric-{vid}": {"name": f"metric-{vid}", "model": "metric", "version": 1, "modelVersionId": vid,
                                 "grpcTarget": target, "contract": metric_contract or METRIC_CONTRACT}
               for vid, target in (servables or {}).items()}
    return RoutingSource(RoutingTable.from_dict({"applications": {}, "servables": entries}))


@pytest.fixture
def make_function(controller: Controller, tmp_path: Path) -> Iterator[Factory]:
    built: list[MonitoringFunction] = []

    def build(url: str, routing: RoutingSource | None = None, **overrides: Any) -> MonitoringFunction:
        settings = MonitoringSettings(controller_url=controller.url, job_poll_s=0.2, release_poll_s=0.1,
                                      **overrides)
        function = MonitoringFunction(Store(url), settings, ManagerApi(controller.url), routing or static_routing(),
                                      Upstream(64 * 1024 * 1024, override=settings.upstream), tmp_path / "scratch")
        built.append(function)
        return function

    yield build
    for function in built:
        function.close()


def store_training_profiles(function: MonitoringFunction, version_id: int, csv_path: Path,
                            contract_doc: dict[str, Any] | None = None) -> None:
    """Profile a CSV straight into the store (what a training-data job's first step does)."""
    with csv_path.open(encoding="utf-8", newline="") as lines:
        result = profile_csv(lines, Contract.from_dict(contract_doc or contract()))
    with function.store.transaction() as session:
        stored_profiles.replace_training(session, version_id, result.profiles)
    function.monitor.forget(version_id)


@pytest.fixture(scope="module")
def age_metric(controller: Controller, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str]]:
    """The metric model `ages_metric` in the catalog, and a runtime process serving it."""
    version = controller.upload("ages_metric", METRIC_CONTRACT, AGE_METRIC)
    folder = serving_folder(tmp_path_factory.mktemp("metric"), "ages_metric", METRIC_CONTRACT, AGE_METRIC)
    runtime = RuntimeProcess(str(folder))
    try:
        runtime.wait_serving()
        yield version["id"], f"127.0.0.1:{runtime.port}"
    finally:
        runtime.close()
