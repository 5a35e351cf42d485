"""Fixtures: two tiny scikit-learn models, a slow and a broken model, a real Plan over them, and
one running engine (package scope: its workers are reused across the test modules)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from controller.desired_state import (
    ApplicationSpec,
    DesiredState,
    FunctionSpec,
    PlatformSpec,
    ServableSpec,
    StageSpec,
    VariantSpec,
)
from controller.local.broker import LocalBroker, SqliteEventLog
from controller.local.broker.trigger import DeliveryPolicy
from controller.local.engine import EngineSettings, LocalApplier
from controller.local.engine.manifests import RETENTION
from controller.planner import Plan, plan
from controller.planner.images import RUNTIME_IMAGE
from protos import events
from protos.contract import Contract
from tests.controller.local.engine.support import RECORDER_IMAGE, RecordingSink, StageServer, command_for
from tests.runtimes.conftest import IRIS_BATCH_CONTRACT, write_model_folder

SLOW_CONTRACT = {
    "name": "predict",
    "inputs": {"delay": {"shape": "scalar", "type": "double"}},
    "outputs": {"pid": {"shape": "scalar", "type": "int64"}},
}
SLOW_MAIN = """
import os, time

def predict(delay):
    time.sleep(float(delay))
    return {"pid": os.getpid()}
"""
SECRET_VALUES = {"HYDRO_S3_REGION": "engine-test-region"}
DATABASE_URL = "postgresql://engine-secret@127.0.0.1/never-visible-to-models"


@dataclass(frozen=True)
class Models:
    logreg: LogisticRegression
    forest: RandomForestClassifier
    features: np.ndarray
    root: Path


@dataclass(frozen=True)
class Running:
    engine: LocalApplier
    broker: LocalBroker
    sink: RecordingSink
    plan: Plan
    records: Path
    settings: EngineSettings


@pytest.fixture(scope="package")
def models(tmp_path_factory: pytest.TempPathFactory) -> Models:
    root = tmp_path_factory.mktemp("models")
    features, target = load_iris(return_X_y=True)
    logreg = LogisticRegression(max_iter=500).fit(features, target)
    forest = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(features, target)
    write_model_folder(root / "iris-1", "hydro/runtime-sklearn", IRIS_BATCH_CONTRACT, {"model.joblib": logreg})
    write_model_folder(root / "iris-2", "hydro/runtime-sklearn", IRIS_BATCH_CONTRACT, {"model.joblib": forest},
                       version=2)
    write_model_folder(root / "slow-1", "hydro/runtime-python", SLOW_CONTRACT, {"src/func_main.py": SLOW_MAIN},
                       name="slow")
    # No model.joblib: the runtime exits 1 at load.
    write_model_folder(root / "broken-1", "hydro/runtime-sklearn", IRIS_BATCH_CONTRACT, {"README": "no model"},
                       name="broken")
    return Models(logreg, forest, features, root)


def servable(models: Models, name: str, version: int, folder: str, contract: dict) -> ServableSpec:
    return ServableSpec(name, version, version, "hydro/runtime-sklearn", RUNTIME_IMAGE, str(models.root / folder),
                        Contract.from_dict(contract))


def single(app: str, *stages: list[tuple[ServableSpec, int]]) -> ApplicationSpec:
    return ApplicationSpec(app, tuple(StageSpec(tuple(VariantSpec(s, w) for s, w in stage)) for stage in stages),
                           Contract.from_dict(IRIS_BATCH_CONTRACT))


def desired_state(models: Models) -> DesiredState:
    logreg = servable(models, "iris", 1, "iris-1", IRIS_BATCH_CONTRACT)
    forest = servable(models, "iris", 2, "iris-2", IRIS_BATCH_CONTRACT)
    slow = servable(models, "slow", 1, "slow-1", SLOW_CONTRACT)
    broken = servable(models, "broken", 1, "broken-1", IRIS_BATCH_CONTRACT)
    return DesiredState(
        servables=(slow,),
        applications=(
            single("split", [(logreg, 80), (forest, 20)]),
            single("chain", [(logreg, 100)], [(forest, 100)]),
            single("broken-app", [(broken, 100)]),
        ),
        functions=(FunctionSpec("recorder", RECORDER_IMAGE, (events.PREDICTION_RESPONSE,), schedule="* * * * * *"),),
        platform=PlatformSpec(default_max_scale=2),
    )


def with_retention(the_plan: Plan, services: set[str], period: str) -> Plan:
    """The plan with a scale-to-zero retention annotation on some Services' templates."""
    manifests = []
    for manifest in the_plan.manifests:
        if manifest["kind"] == "Service" and manifest["metadata"]["name"] in services:
            manifest = copy.deepcopy(manifest)
            manifest["spec"]["template"]["metadata"]["annotations"][RETENTION] = period
        manifests.append(manifest)
    return replace(the_plan, manifests=tuple(manifests))


def engine_settings(root: Path, **overrides: object) -> EngineSettings:
    values: dict = {"state_dir": root / "state", "logs_dir": root / "logs", "idle_window_seconds": 1.0,
                    "activation_timeout_seconds": 30.0, "target_concurrency": 1, "drain_seconds": 5.0,
                    "crash_backoff_seconds": 0.5, "tick_seconds": 0.1}
    return EngineSettings(**{**values, **overrides})  # type: ignore[arg-type]


def new_broker(path: Path) -> LocalBroker:
    return LocalBroker(SqliteEventLog(path), namespace="hydro", name="hydro",
                       delivery_defaults=DeliveryPolicy(timeout=10.0), poll_interval=0.05)


@pytest.fixture(scope="package")
def stage_server() -> Iterator[StageServer]:
    server = StageServer()
    yield server
    server.close()


@pytest.fixture(scope="package")
def running(models: Models, stage_server: StageServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The engine, started, with the whole plan applied, in a process whose env holds a database URL."""
    root = tmp_path_factory.mktemp("engine")
    records = root / "records.jsonl"
    # The iris revisions keep idle workers 30 s (a stable 80/20 split: one revision's cold start
    # must not outlast the other's idle window); everything else uses the engine's 1 s window.
    the_plan = with_retention(plan(desired_state(models)), {"mv-iris-1", "mv-iris-2"}, "30s")
    settings = engine_settings(root)
    broker = new_broker(root / "broker.db")
    sink = RecordingSink()
    # Set for the engine's whole life: workers started at any time must not see it.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HYDRO_DATABASE_URL", DATABASE_URL)
        engine = LocalApplier(
            settings, broker, command_for,
            env_sources={("secret", "hydro-artifacts"): SECRET_VALUES,
                         ("configMap", "hydro-settings"): {"RECORD_FILE": str(records)}},
            well_known={"hydro-gateway": stage_server.url}, status_sink=sink)
        broker.start()
        engine.start()
        engine.apply(the_plan)
        try:
            yield Running(engine, broker, sink, the_plan, records, settings)
        finally:
            engine.stop()
            broker.stop()
