"""Throughput of the monitoring handler, in process: `MonitoringFunction.handle` on
`dev.hydro.inference.completed` events of a 13-field model (12 numerical inputs, 1 output),
with training profiles (so every field is checked), batches of 100 (batch work and drift included)
and, with `--metric`, one MetricSpec whose metric model a real runtime process serves (its CPU is
not counted in "events per CPU second": it runs in its own process).

    python -m tests.functions.monitoring.measure_throughput [--events 2000] [--threads 1 8]
        [--metric] [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from functions.gateway.upstream import Upstream
from functions.host.store import Store
from functions.monitoring import MonitoringFunction, MonitoringSettings
from functions.monitoring.manager import ManagerApi
from tests.functions.monitoring.conftest import METRIC_CONTRACT, static_routing, store_training_profiles
from tests.functions.monitoring.support import (
    AGE_METRIC,
    contract,
    inference_event,
    rows,
    running_controller,
    serving_folder,
    write_csv,
)
from tests.runtimes.runtime_process import RuntimeProcess

FEATURES = ("age", *(f"f{i}" for i in range(11)))


def measure(events: int, threads: int, metric: bool, database_url: str | None) -> tuple[float, float]:
    """(events per second of wall time, events per second of this process's CPU time: what one
    core sustains, whatever else the machine runs)."""
    scratch = Path(tempfile.mkdtemp(prefix="hydro-throughput-"))
    with running_controller(scratch / "controller") as controller:
        version = controller.upload("wide", contract(FEATURES), batch_size=100)
        routing, runtime = static_routing(), None
        if metric:
            metric_version = controller.upload("wide_metric", METRIC_CONTRACT, AGE_METRIC)
            controller.metric_spec(version["id"], metric_version["id"], 1000.0)
            folder = serving_folder(scratch / "metric", "wide_metric", METRIC_CONTRACT, AGE_METRIC)
            runtime = RuntimeProcess(str(folder))
            runtime.wait_serving()
            routing = static_routing({metric_version["id"]: f"127.0.0.1:{runtime.port}"})
        function = MonitoringFunction(Store(database_url or f"sqlite:///{scratch / 'functions.db'}"),
                                      MonitoringSettings(controller_url=controller.url), ManagerApi(controller.url),
                                      routing, Upstream(64 * 1024 * 1024), scratch / "work")
        try:
            training = write_csv(scratch / "train.csv", rows(2000, seed=0, features=FEATURES))
            store_training_profiles(function, version["id"], training, contract(FEATURES))
            traffic = [inference_event(version, row) for row in rows(events + 1, seed=1, features=FEATURES)]
            function.handle(traffic[0])  # warm the caches
            started, cpu = time.perf_counter(), time.process_time()
            with ThreadPoolExecutor(threads) as pool:
                list(pool.map(function.handle, traffic[1:]))
            function.batches.run_due()  # the batch work still queued counts too
            return events / (time.perf_counter() - started), events / (time.process_time() - cpu)
        finally:
            function.close()
            if runtime is not None:
                runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--metric", action="store_true", help="one metric model called per event")
    parser.add_argument("--database-url", default=None, help="the store (default: a SQLite file)")
    args = parser.parse_args()
    for threads in args.threads:
        wall, cpu = measure(args.events, threads, args.metric, args.database_url)
        print(f"{len(FEATURES) + 1} fields, {threads} thread(s), metric model: {args.metric}: "
              f"{wall:,.0f} events/s (wall), {cpu:,.0f} events per CPU second")


if __name__ == "__main__":
    main()
