"""The harness's sections: each starts what it measures, measures it, stops it, returns tables."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from tests.bench import lifecycle as engine_lifecycle
from tests.bench import models, peers, systems
from tests.bench.client import Endpoint
from tests.bench.drift_data import DRIFTED
from tests.bench.platform import Platform, deploy_bench
from tests.bench.report import Table
from tests.bench.serving import Budget, run_cells
from tests.bench.stats import fmt_number, fmt_ratio, ratio
from tests.bench.tables import (
    Target,
    gateway_overhead,
    monitoring_overhead,
    ratio_table,
    serving_table,
    throughput_targets,
)

REPO = Path(__file__).resolve().parents[2]
PEERS = ("mlserver", "kserve", "bentoml", "evidently")
EVIDENTLY_LIMIT_S = 300.0  # keeps `make bench` within its 20 minutes


@dataclass
class Run:
    work: Path
    budget: Budget
    quick: bool
    console: Console
    targets: list[Target] = field(default_factory=list)
    installed: dict[str, peers.Venv] = field(default_factory=dict)

    def models(self) -> dict[str, models.ModelFiles]:
        return models.train(self.work / "models")

    def venvs(self) -> dict[str, peers.Venv]:
        if not self.installed:
            with self.console.status("installing the peers' virtualenvs (reused when present)"):
                self.installed = peers.ensure_all(PEERS)
            spent = sum(v.seconds for v in self.installed.values())
            self.console.print(f"peers ready ({spent:.0f} s spent installing)")
        return self.installed

    def describe(self) -> str:
        pins = "; ".join(f"{name}: {', '.join(peers.PINS[name])}" for name in PEERS)
        return (f"Cells: warm-up {self.budget.warmup} s, {self.budget.duration} s measured x {self.budget.rounds} "
                f"round(s), systems alternated within each round; load from a separate process (aiohttp / "
                f"grpc.aio, keep-alive, closed loop). Peer versions: {pins}.")


def serving(run: Run) -> list[Table]:
    files, venvs = run.models(), run.venvs()
    probe = models.rows(run.work / "models", 1)
    logs = run.work / "logs"
    starters: list[Callable[[], Any]] = [
        lambda: systems.start_hydro_runtime(logs, files, probe),
        lambda: systems.start_grpc_floor(logs, files, probe),
        lambda: systems.start_flask_floor(logs, files, probe),
        lambda: systems.start_mlserver(logs, files, probe, venvs["mlserver"], None),
        lambda: systems.start_mlserver(logs, files, probe, venvs["mlserver"], 0),
        lambda: systems.start_kserve(logs, files, probe, venvs["kserve"]),
        lambda: systems.start_bentoml(logs, files, probe, venvs["bentoml"]),
    ]
    started: list[systems.System] = []
    failed: list[tuple[str, str]] = []
    platform = Platform(run.work / "up", 3600)
    try:
        for start in starters:
            try:
                started.append(start())
            except RuntimeError as error:  # one peer that cannot start must not sink the whole run
                failed.append((str(error).split(":")[0], "did not start: " + str(error).splitlines()[0]))
                run.console.print(f"[red]{error}", markup=True)
                continue
            run.console.print(f"{started[-1].server.name}: first prediction "
                              f"{started[-1].server.first_prediction_s:.2f} s after process start")
        platform.start()
        deploy_bench(platform, files)
        cells = run_cells(_endpoints(started, platform), {n: models.rows(run.work / "models", n) for n in (1, 100)},
                          run.budget, ("lr", "rf"), lambda text: run.console.print(f"  {text}"))
    finally:
        for system in started:
            system.server.stop()
        platform.stop()
    run.targets += throughput_targets(cells)
    overheads = gateway_overhead(cells)
    worst = max((v for _, v in overheads[:2] if not math.isnan(v)), default=math.nan)
    run.targets.append(Target("gateway overhead < 1 ms p50 per stage", f"{worst:.2f} ms", worst < 1.0
                              if not math.isnan(worst) else None))
    over, target = monitoring_overhead(cells)
    run.targets.append(target)
    cold = Table("Peers: process start to first prediction", ("system", "seconds"),
                 tuple((s.server.name, f"{s.server.first_prediction_s:.2f}") for s in started) + tuple(failed))
    gateway = Table("Gateway overhead per stage (p50, lr, 1 row, concurrency 1)", ("what", "ms"),
                    tuple((name, fmt_number(value, 2)) for name, value in overheads))
    return [serving_table(cells), ratio_table(cells), gateway, over, cold]


def _endpoints(started: list[systems.System], platform: Platform) -> Callable[[str, np.ndarray], list[Endpoint]]:
    def endpoints(model: str, matrix: np.ndarray) -> list[Endpoint]:
        found = [e for s in started for e in s.endpoints(model, matrix)]
        found += platform.endpoints(f"bench-{model}", matrix)
        if model == "lr" and len(matrix) == 1:
            found += platform.endpoints("bench-pipe", matrix) + platform.monitoring_endpoints("bench-lr", matrix)
        return found
    return endpoints


def lifecycle(run: Run) -> list[Table]:
    files = run.models()
    result = engine_lifecycle.run(run.work / "up-lifecycle", files, models.rows(run.work / "models", 1),
                           repeats=3, versions=5 if run.quick else 50)
    cold = result["cold_start_median_s"]
    zero, five = result["at_zero"], result["five_active"]
    run.targets.append(Target("cold start from zero < 0.5 s (sklearn, local engine)", f"{cold:.2f} s median of "
                              f"{', '.join(f'{s:.2f}' for s in result['cold_start_s'])}", cold < 0.5))
    total = zero["pss_mb"] if not math.isnan(zero["pss_mb"]) else zero["rss_mb"]
    run.targets.append(Target(f"idle hydro up, {result['versions']} versions at zero < 400 MB",
                              f"{total:.0f} MB (PSS)", total < 400 if result["versions"] >= 50 else None))
    rows = tuple((what, str(int(m["processes"])), f"{m['rss_mb']:.0f}", fmt_number(m["pss_mb"], 0))
                 for what, m in ((f"{result['versions']} versions, all at zero", zero), ("5 of them active", five)))
    return [Table("Cold start from zero (hydro up, first request through the HTTP gateway)", ("run", "seconds"),
                  tuple((str(i + 1), f"{s:.3f}") for i, s in enumerate(result["cold_start_s"]))),
            Table("Memory of the hydro up process tree", ("state", "processes", "RSS MB", "PSS MB"), rows)]


def _json_of(command: list[str], timeout: float) -> dict[str, Any] | str:
    """The JSON a benchmark script printed last, or why there is none."""
    try:
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout:.0f} s"
    out = done.stdout.strip()
    try:
        return dict(json.loads(out if out.startswith("{\n") else out.splitlines()[-1]))
    except (ValueError, IndexError):
        return f"failed ({done.returncode}): {done.stderr.strip()[-300:]}"


def drift(run: Run) -> list[Table]:
    venvs = run.venvs()
    sizes = (50_000,) if run.quick else (50_000, 500_000)
    rows = []
    for size in sizes:
        ours = _json_of([sys.executable, "-m", "tests.bench.bench_drift", "--rows", str(size), "--json"], 600)
        scipy = _json_of([sys.executable, "-m", "tests.bench.scipy_drift", str(size), "50000", "0"], 600)
        evidently = _json_of([venvs["evidently"].python, str(systems.SERVERS / "evidently_drift.py"), str(size),
                              "50000", "0"], EVIDENTLY_LIMIT_S)
        rows += _drift_rows(size, ours, scipy, evidently)
        if size == 500_000 and isinstance(ours, dict):
            # An Evidently run cut off at its time limit still bounds the ratio from below.
            theirs = evidently["seconds"] if isinstance(evidently, dict) else EVIDENTLY_LIMIT_S
            speed = ratio(theirs, ours["drift_report_s"])
            exact = sorted(ours["flagged"]) == sorted(DRIFTED)
            bound = "" if isinstance(evidently, dict) else ">= "
            run.targets.append(Target("drift report 500k x 25: >= 100x Evidently, < 200 MB, exactly 3 flagged",
                                      f"{bound}{fmt_ratio(speed)}, {ours['tracemalloc_peak_mb']:.0f} MB traced, "
                                      f"flagged {', '.join(ours['flagged'])}",
                                      speed >= 100 and ours["tracemalloc_peak_mb"] < 200 and exact))
    return [Table("Drift: 25 columns (20 numerical, 5 categorical), drift injected in " + ", ".join(DRIFTED),
                  ("rows", "tool", "seconds", "peak memory", "flagged"), tuple(rows),
                  "Hydro: the drift report from stored profiles (profile building timed separately); peak memory "
                  "is tracemalloc for Hydro, process maxrss for the others.")]


def _drift_rows(size: int, ours: Any, scipy: Any, evidently: Any) -> list[tuple[str, ...]]:
    def row(tool: str, found: Any, seconds: str, memory: str) -> tuple[str, ...]:
        if isinstance(found, str):
            return (f"{size:,}", tool, "n/a", "n/a", found)
        return (f"{size:,}", tool, seconds, memory, ", ".join(found["flagged"]))
    result = [row("Hydro drift report", ours, _get(ours, "drift_report_s", "{:.3f}"),
                  _get(ours, "tracemalloc_peak_mb", "{:.0f} MB")),
              row("Hydro profiles (training + production)", ours,
                  f"{ours['training_profiles_s']:.2f} + {ours['production_profiles_s']:.2f}"
                  if isinstance(ours, dict) else "", _get(ours, "ru_maxrss_mb", "{:.0f} MB rss")),
              row("scipy per column", scipy, _get(scipy, "seconds", "{:.2f}"), _get(scipy, "maxrss_mb", "{:.0f} MB")),
              row("Evidently DataDriftPreset", evidently, _get(evidently, "seconds", "{:.2f}"),
                  _get(evidently, "maxrss_mb", "{:.0f} MB"))]
    return result


def _get(found: Any, key: str, pattern: str) -> str:
    return pattern.format(found[key]) if isinstance(found, dict) and key in found else "n/a"


def interpretability(run: Run) -> list[Table]:
    instances, points = (2, 1000) if run.quick else (5, 5000)
    found = _json_of([sys.executable, "-m", "tests.bench.bench_interpretability", "--instances", str(instances),
                      "--points", str(points), "--json"], 900)
    if isinstance(found, str):
        return [Table("Interpretability", ("what", "figure"), (("bench_interpretability", found),))]
    anchors, projection = found["anchors"], found["projection"]
    rows = (("anchor explanation, RandomForest 100 trees (median)", f"{anchors['seconds_median']:.2f} s over "
             f"{anchors['instances']}, {anchors['model_calls_mean']:.0f} model calls"),
            (f"projection fit, {projection['points']:,} points", f"{projection['fit_seconds']:.2f} s"),
            (f"projection transform, {projection['points']:,} points", f"{projection['transform_seconds']:.2f} s"),
            ("numba compile, once per process", f"{projection['numba_compile_seconds']:.2f} s"))
    return [Table("Interpretability", ("what", "figure"), rows)]

