"""Model code cannot read the platform's credentials from its environment.

A real engine starts a real runtime worker the way `hydro up` does (the planner's manifest,
`Launcher.argv_for`, the Secret and ConfigMap sources `hydro up` builds), while the parent
process holds the database URL, object-store keys, auth tokens and the Redis URL. The model's
own `predict` reports what it sees: `os.environ`, and the raw environment block the kernel gave
the process (`/proc/self/environ`), so a variable removed late would still show.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import numpy as np
import pytest

from controller.api.app import open_catalog
from controller.desired_state import DesiredState, PlatformSpec, ServableSpec
from controller.local.engine import LocalApplier, ProcessCommand
from controller.local.up.launch import Launcher
from controller.local.up.platform import _artifact_secret
from controller.planner import plan
from controller.planner.images import RUNTIME_IMAGE
from controller.settings import ControllerSettings
from protos.contract import Contract
from tests.controller.local.engine.conftest import engine_settings, new_broker
from tests.controller.local.engine.support import Client, host
from tests.runtimes.conftest import write_model_folder

PARENT_SECRETS = {
    "HYDRO_DATABASE_URL": "postgresql://hydro:db-password-7f3a@127.0.0.1/hydro",
    "HYDRO_REDIS_URL": "redis://:redis-password-91bc@127.0.0.1:6379/0",
    "HYDRO_S3_ACCESS_KEY": "s3-access-key-5d21",
    "HYDRO_S3_SECRET_KEY": "s3-secret-key-c0de",
    "HYDRO_AUTH_TOKENS": "admin:auth-token-e4f8",
    "HYDRO_AUTH_ADMIN_TOKEN": "auth-admin-token-0b9d",
}
CONTRACT = {
    "name": "predict",
    "inputs": {"probe": {"shape": "scalar", "type": "double"}},
    "outputs": {"environ": {"shape": "scalar", "type": "string"}, "raw": {"shape": "scalar", "type": "string"}},
}
SPY_MAIN = """
import json, os

def predict(probe):
    with open("/proc/self/environ", "rb") as handle:
        raw = handle.read().decode("utf-8", "replace")
    return {"environ": json.dumps(dict(os.environ)), "raw": raw}
"""
SERVICE = "mv-spy-1"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalApplier]:
    root = tmp_path_factory.mktemp("isolation")
    folder = write_model_folder(root / "spy-1", "hydro/runtime-python", CONTRACT, {"src/func_main.py": SPY_MAIN},
                                name="spy")
    spy = ServableSpec("spy", 1, 1, "hydro/runtime-python", RUNTIME_IMAGE, str(folder), Contract.from_dict(CONTRACT))
    platform = PlatformSpec()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in PARENT_SECRETS.items():
            patch.setenv(name, value)
        controller = ControllerSettings.from_env({"HYDRO_HOME": str(root / "home"), **PARENT_SECRETS})
        catalog = open_catalog(ControllerSettings(home=root / "home"))  # SQLite: only the launcher reads it
        launcher = Launcher(catalog)
        # As `hydro up` builds them; the ConfigMap carries the database and Redis URLs to the
        # platform's functions, and must not reach a model's runtime.
        sources = {("secret", platform.artifact_secret): _artifact_secret(controller),
                   ("configMap", platform.settings_config_map): {k: PARENT_SECRETS[k] for k in
                                                                  ("HYDRO_DATABASE_URL", "HYDRO_REDIS_URL")}}
        broker = new_broker(root / "broker.db")
        applier = LocalApplier(engine_settings(root), broker, lambda m: ProcessCommand(tuple(launcher.argv_for(m))),
                               env_sources=sources)
        broker.start()
        applier.start()
        applier.apply(plan(DesiredState(servables=(spy,), platform=platform)))
        try:
            yield applier
        finally:
            applier.stop()
            broker.stop()
            catalog.database.dispose()


@pytest.fixture(scope="module")
def seen(engine: LocalApplier) -> dict[str, str]:
    client = Client(engine.activator_address)
    try:
        answer = client.predict(host(SERVICE), {"probe": np.float64(1.0)}, timeout=60)
    finally:
        client.close()
    return {"environ": str(answer.outputs["environ"].item()), "raw": str(answer.outputs["raw"].item())}


def test_the_model_runs_in_a_worker_not_in_this_process(engine: LocalApplier, seen: dict[str, str]) -> None:
    environ = json.loads(seen["environ"])
    assert environ["PORT"] == str(engine.workers(SERVICE)[0].port)  # really the worker's own environment


@pytest.mark.parametrize("name", sorted(PARENT_SECRETS))
def test_no_platform_credential_reaches_the_model(seen: dict[str, str], name: str) -> None:
    environ = json.loads(seen["environ"])
    assert name not in environ
    assert PARENT_SECRETS[name] not in seen["environ"]
    assert name not in seen["raw"] and PARENT_SECRETS[name] not in seen["raw"]


def test_the_model_sees_only_the_runtime_variables(seen: dict[str, str]) -> None:
    hydro = {name for name in json.loads(seen["environ"]) if name.startswith("HYDRO_")}
    assert hydro <= {"HYDRO_MODEL_URI", "HYDRO_MODEL_CACHE", "HYDRO_RUNTIME_HOST"}
