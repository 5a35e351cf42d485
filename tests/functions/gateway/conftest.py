"""Fixtures for the gateway tests: real runtime processes serving small scikit-learn models,
counting gRPC proxies in front of them, the planner's routing table pointed at the proxies, and
the gateway's parts built over a temporary outbox."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from functions.gateway.components import Components
from functions.gateway.routing import RoutingTable
from functions.gateway.routing_source import RoutingSource
from functions.gateway.settings import GatewaySettings
from tests.functions.gateway import tables
from tests.functions.gateway.grpc_proxy import GrpcProxy
from tests.functions.gateway.servers import RoutingServer
from tests.runtimes.conftest import write_model_folder
from tests.runtimes.runtime_process import RuntimeProcess

PYTHON_RUNTIME = "hydrosphere/serving-runtime-python-3.7:3.0.3"
SCALER_FUNC = '''
import joblib

SCALER = joblib.load("scaler.joblib")


def predict(features):
    return {"features": SCALER.transform(features)}
'''


@dataclass(frozen=True)
class Models:
    x: np.ndarray
    scaler: StandardScaler
    v1: LogisticRegression
    v2: RandomForestClassifier

    def expected(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """What the two-stage application must answer, computed by hand."""
        scaled = self.scaler.transform(rows)
        return {"y": self.v1.predict(scaled), "proba": self.v1.predict_proba(scaled)}


@pytest.fixture(scope="session")
def models() -> Models:
    x, y = load_iris(return_X_y=True)
    scaler = StandardScaler().fit(x)
    scaled = scaler.transform(x)
    return Models(x, scaler, LogisticRegression(max_iter=500).fit(scaled, y),
                  RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(scaled, y))


@pytest.fixture(scope="session")
def runtimes(models: Models, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RuntimeProcess]]:
    """Three `python -m runtimes` processes: the scaler (python runtime), classifier v1 and v2."""
    root = tmp_path_factory.mktemp("models")
    folders = {
        "scaler": write_model_folder(root / "scaler", PYTHON_RUNTIME, tables.SCALER_CONTRACT,
                                     {"src/func_main.py": SCALER_FUNC, "scaler.joblib": models.scaler},
                                     name=tables.SCALER[0], version=tables.SCALER[1]),
        "v1": write_model_folder(root / "v1", "hydro/runtime-sklearn", tables.CLASSIFIER_CONTRACT,
                                 {"model.joblib": models.v1}, name=tables.CLASSIFIER_V1[0], version=1),
        "v2": write_model_folder(root / "v2", "hydro/runtime-sklearn", tables.CLASSIFIER_CONTRACT,
                                 {"model.joblib": models.v2}, name=tables.CLASSIFIER_V2[0], version=2),
    }
    processes = {key: RuntimeProcess(str(folder)) for key, folder in folders.items()}
    try:
        for process in processes.values():
            process.wait_serving()
        yield processes
    finally:
        for process in processes.values():
            process.close()


@pytest.fixture(scope="session")
def proxies(runtimes: dict[str, RuntimeProcess]) -> Iterator[dict[str, GrpcProxy]]:
    """A counting proxy in front of each runtime (the routing table points at these)."""
    made = {key: GrpcProxy(f"127.0.0.1:{process.port}") for key, process in runtimes.items()}
    yield made
    for proxy in made.values():
        proxy.close()


@pytest.fixture(scope="session")
def addresses(proxies: dict[str, GrpcProxy]) -> dict[str, str]:
    """Stage route or servable service -> the address of the proxy in front of its runtime."""
    scaler, v1, v2 = (proxies[key].address for key in ("scaler", "v1", "v2"))
    return {"app-iris-s0": scaler, "app-iris-s1": v1, "mv-iris-scaler-1": scaler,
            "mv-iris-classifier-1": v1, "mv-iris-classifier-2": v2}


@pytest.fixture(scope="session")
def routing_dict(addresses: dict[str, str]) -> dict[str, Any]:
    """The planner's table for app `iris`, every target pointed at the runtimes' proxies."""
    return tables.pointed(tables.planned_routing(), addresses)


@pytest.fixture(scope="session")
def routing_table(routing_dict: dict[str, Any]) -> RoutingTable:
    return RoutingTable.from_dict(routing_dict)


@pytest.fixture
def settings(tmp_path: Path) -> GatewaySettings:
    return GatewaySettings(outbox_path=tmp_path / "outbox.db", request_timeout_seconds=20.0, auth_enabled=False)


@pytest.fixture
def parts(settings: GatewaySettings, routing_table: RoutingTable) -> Iterator[Components]:
    """The gateway's parts over the static table (no shipper: events stay in the outbox)."""
    built = Components(settings, routing=RoutingSource(routing_table))
    yield built
    built.close()


@pytest.fixture
def routing_server() -> Iterator[RoutingServer]:
    server = RoutingServer()
    yield server
    server.close()
