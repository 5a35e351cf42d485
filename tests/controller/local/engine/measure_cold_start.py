"""Cold start of a scaled-to-zero scikit-learn model version in the local engine, broken down.

    .venv/bin/python -m tests.controller.local.engine.measure_cold_start [--rounds 5] [--no-warm-pool]

A real engine (the test fixtures' command: `python -m runtimes`, with the runtime's warm pool
unless `--no-warm-pool`) serves one LogisticRegression version with a short idle window. Each
round waits until the version is back at zero workers, then times one Predict call through the
activator. The breakdown comes from the timestamps of the engine's own log records and of the
runtime's log lines (millisecond resolution, one clock):

- launch: request sent -> the engine started the worker (spawned, or forked by a warm pool);
- boot: worker started -> its gRPC server listens (interpreter start and imports when spawned);
- load: the runtime starts loading the model -> the model is loaded (fetch, unpickle);
- ready: the model is loaded -> the engine saw the worker ready (its health turns SERVING);
- answer: the engine saw it ready -> the answer arrived (the held call forwarded).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

from controller.desired_state import DesiredState
from controller.local.engine import LocalApplier
from controller.planner import plan
from tests.controller.local.engine.conftest import engine_settings, new_broker, servable, with_retention
from tests.controller.local.engine.support import Client, RecordingSink, command_for, host, wait_until
from tests.runtimes.conftest import IRIS_BATCH_CONTRACT, write_model_folder

SERVICE = "mv-iris-1"
MARKS = {"gRPC listening": "listening", "loading model": "loading", " loaded": "loaded", "serving ": "serving"}


class Marks(logging.Handler):
    """Wall-clock times of the engine's 'started worker' and 'ready' records."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.times: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "started worker" in message or "forked worker" in message:
            self.times["started"] = record.created
        elif " ready on port " in message:
            self.times["ready"] = record.created


def runtime_marks(log: Path, since: float) -> dict[str, float]:
    """The runtime's own milestones after `since`, from its lines in the Service log."""
    found: dict[str, float] = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            stamp = datetime.strptime(line.split("] ", 1)[1][:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()
        except (IndexError, ValueError):
            continue
        if stamp + 0.002 < since:
            continue
        for text, name in MARKS.items():
            if text in line:
                found[name] = stamp
    return found


def one_round(engine: LocalApplier, client: Client, marks: Marks, log: Path) -> dict[str, float]:
    wait_until(lambda: engine.workers(SERVICE) == [], timeout=60, what="scale to zero")
    marks.times.clear()
    began = time.time()
    client.predict(host(SERVICE), {"features": [[5.1, 3.5, 1.4, 0.2]]})
    ended = time.time()
    time.sleep(0.3)  # the log pump copies the runtime's lines
    run = {**runtime_marks(log, began), **marks.times}
    ms = {"total": (ended - began) * 1000}
    steps = [("launch", "started", began), ("boot", "listening", "started"), ("load", "loaded", "loading"),
             ("ready", "ready", "loaded"), ("answer", ended, "ready")]
    for name, end, start in steps:
        end_t = end if isinstance(end, float) else run.get(end)
        start_t = start if isinstance(start, float) else run.get(start)
        if end_t is not None and start_t is not None:
            ms[name] = (end_t - start_t) * 1000
    return ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-warm-pool", action="store_true", help="spawn every worker (the fallback)")
    args = parser.parse_args()
    marks = Marks()
    logging.getLogger("controller.local.engine").addHandler(marks)
    logging.getLogger("controller.local.engine").setLevel(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        features, target = load_iris(return_X_y=True)
        write_model_folder(root / "iris-1", "hydro/runtime-sklearn", IRIS_BATCH_CONTRACT,
                           {"model.joblib": LogisticRegression(max_iter=500).fit(features, target)})
        from tests.controller.local.engine.conftest import Models
        models = Models(None, None, features, root)  # type: ignore[arg-type]
        state = DesiredState(servables=(servable(models, "iris", 1, "iris-1", IRIS_BATCH_CONTRACT),))
        the_plan = with_retention(plan(state), {SERVICE}, "1s")
        command = command_for if not args.no_warm_pool else _spawn_only
        settings = engine_settings(root, idle_window_seconds=1.0, tick_seconds=0.1)
        broker = new_broker(root / "broker.db")
        sink = RecordingSink()
        engine = LocalApplier(settings, broker, command, env_sources={("secret", "hydro-artifacts"): {}},
                              status_sink=sink)
        engine.start()
        engine.apply(the_plan)
        client = Client(engine.activator_address)
        try:
            wait_until(lambda: (s := sink.last_service(SERVICE)) is not None and s.ready, timeout=60,
                       what="the version verified")
            rounds = [one_round(engine, client, marks, settings.logs_dir / f"{SERVICE}.log")
                      for _ in range(args.rounds)]
        finally:
            client.close()
            engine.stop()
    report(rounds, "spawn only" if args.no_warm_pool else "warm pool")
    return 0


def _spawn_only(manifest):  # type: ignore[no-untyped-def]
    return replace(command_for(manifest), warm_pool=None)


def report(rounds: list[dict[str, float]], mode: str) -> None:
    print(f"cold start, scikit-learn LogisticRegression, {mode}, {len(rounds)} rounds (ms, median [min-max])")
    for name in ("total", "launch", "boot", "load", "ready", "answer"):
        values = [r[name] for r in rounds if name in r]
        if values:
            print(f"  {name:7s} {statistics.median(values):8.1f}  [{min(values):.1f}-{max(values):.1f}]")


if __name__ == "__main__":
    sys.exit(main())
