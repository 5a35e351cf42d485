"""Fixtures: a real controller holding a tabular version (with its training CSV) and an image
version, the stand-in monitoring API holding stored requests, the stand-in Broker."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from functions.explainer.settings import InterpretSettings
from functions.explainer.sources import Catalog, Monitoring
from functions.host.store import Store
from functions.projector.function import ProjectorFunction
from functions.projector.projection import Projections
from tests.functions.explainer.support import (
    IMAGE,
    TABULAR,
    BrokerStandIn,
    MonitoringStandIn,
    check_document,
    label,
    served,
    tabular_rows,
    upload,
    write_csv,
)
from tests.functions.monitoring.support import Controller, running_controller

PRODUCTION = 40


@dataclass(frozen=True)
class Versions:
    tabular: dict[str, Any]
    image: dict[str, Any]


@pytest.fixture(scope="package")
def controller(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Controller]:
    with running_controller(tmp_path_factory.mktemp("controller")) as live:
        yield live


@pytest.fixture(scope="package")
def versions(controller: Controller, tmp_path_factory: pytest.TempPathFactory) -> Versions:
    csv_path = write_csv(tmp_path_factory.mktemp("training") / "train.csv", tabular_rows(600, seed=0))
    return Versions(upload(controller, "income", TABULAR, csv_path), upload(controller, "quadrant", IMAGE, None))


@pytest.fixture(scope="package")
def monitoring(versions: Versions) -> Iterator[MonitoringStandIn]:
    """PRODUCTION stored requests of the tabular version (every tenth an outlier), and one that failed."""
    with served(MonitoringStandIn()) as stand_in:
        for index, row in enumerate(tabular_rows(PRODUCTION, seed=7)):
            values = {name: [value] for name, value in row.items()} | {"y": [label(row)]}
            stand_in.add(check_document(index + 1, versions.tabular, values, outlier=index % 10 == 0,
                                        metrics={"auto_od": float(index)}))
        stand_in.add(check_document(PRODUCTION + 1, versions.tabular, {"age": [1.0], "hours": [1.0],
                                                                       "color": ["red"], "y": None}, error="boom"))
        yield stand_in


@pytest.fixture
def broker() -> Iterator[BrokerStandIn]:
    with served(BrokerStandIn()) as stand_in:
        yield stand_in


@pytest.fixture
def projector(controller: Controller, monitoring: MonitoringStandIn, broker: BrokerStandIn,
              tmp_path: Path) -> Iterator[ProjectorFunction]:
    settings = InterpretSettings(controller_url=controller.url, monitoring_url=monitoring.url, broker_url=broker.url)
    store = Store(f"sqlite:///{tmp_path / 'functions.db'}")
    projections = Projections(store, Catalog(controller.url, 10), Monitoring(monitoring.url, 10), settings,
                              tmp_path / "scratch")
    function = ProjectorFunction(store, settings, projections)
    yield function
    function.close()
