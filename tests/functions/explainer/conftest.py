"""Fixtures: a real controller holding the two model versions and their training data, real
runtime processes serving the trained models, the stand-in monitoring API and Broker."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from functions.explainer.function import ExplainerFunction
from functions.explainer.methods import Explainer
from functions.explainer.model_calls import ModelCaller
from functions.explainer.settings import InterpretSettings
from functions.explainer.sources import Catalog, Monitoring
from functions.gateway.routing_source import RoutingSource
from functions.gateway.upstream import Upstream
from functions.host.store import Store
from tests.functions.explainer.support import (
    IMAGE,
    TABULAR,
    BrokerStandIn,
    MonitoringStandIn,
    image_folder,
    served,
    static_routing,
    tabular_folder,
    tabular_rows,
    upload,
    write_csv,
)
from tests.functions.monitoring.support import Controller, running_controller
from tests.runtimes.runtime_process import RuntimeProcess


@dataclass(frozen=True)
class Models:
    tabular: dict[str, Any]
    image: dict[str, Any]
    tabular_target: str
    image_target: str

    def routing(self) -> RoutingSource:
        return static_routing({self.tabular["id"]: (self.tabular_target, TABULAR),
                               self.image["id"]: (self.image_target, IMAGE)})


@pytest.fixture(scope="package")
def controller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Controller]:
    with running_controller(tmp_path_factory.mktemp("controller")) as live:
        yield live


@pytest.fixture(scope="package")
def training_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_csv(tmp_path_factory.mktemp("training") / "train.csv", tabular_rows(1500, seed=0))


@pytest.fixture(scope="package")
def models(controller: Controller, training_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Models]:
    tabular = upload(controller, "income", TABULAR, training_csv)
    image = upload(controller, "quadrant", IMAGE, None)
    runtimes = [RuntimeProcess(str(tabular_folder(tmp_path_factory.mktemp("income"), tabular_rows(1500, seed=0)))),
                RuntimeProcess(str(image_folder(tmp_path_factory.mktemp("quadrant"))))]
    try:
        for runtime in runtimes:
            runtime.wait_serving()
        yield Models(tabular, image, f"127.0.0.1:{runtimes[0].port}", f"127.0.0.1:{runtimes[1].port}")
    finally:
        for runtime in runtimes:
            runtime.close()


@pytest.fixture(scope="package")
def monitoring() -> Iterator[MonitoringStandIn]:
    with served(MonitoringStandIn()) as stand_in:
        yield stand_in


@pytest.fixture
def broker() -> Iterator[BrokerStandIn]:
    with served(BrokerStandIn()) as stand_in:
        yield stand_in


def interpret_settings(controller: Controller, monitoring: MonitoringStandIn, broker: BrokerStandIn | None
                       ) -> InterpretSettings:
    return InterpretSettings(controller_url=controller.url, monitoring_url=monitoring.url,
                             broker_url=broker.url if broker else None, max_training_rows=2000)


@pytest.fixture
def explainer(controller: Controller, models: Models, monitoring: MonitoringStandIn, broker: BrokerStandIn,
              tmp_path: Path) -> Iterator[ExplainerFunction]:
    """The explainer publishing to the stand-in Broker (tests deliver its events with `handle`)."""
    settings = interpret_settings(controller, monitoring, broker)
    routing = models.routing()
    caller = ModelCaller(routing, Upstream(64 * 1024 * 1024), timeout_s=10, concurrency=4)
    core = Explainer(Catalog(controller.url, 10), Monitoring(monitoring.url, 10), caller, settings,
                     tmp_path / "scratch")
    function = ExplainerFunction(Store(f"sqlite:///{tmp_path / 'functions.db'}"), settings, core, routing)
    yield function
    function.close()
