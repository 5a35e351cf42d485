"""From measured figures to the harness's tables and targets (pure: no processes, no I/O)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tests.bench.report import Table
from tests.bench.serving import Cell, find
from tests.bench.stats import fmt_number, fmt_ratio, ratio

HYDRO_PREFIX = "hydro"
RUNTIME = "hydro runtime gRPC"
GATEWAY_HTTP = "hydro gateway HTTP"
GATEWAY_GRPC = "hydro gateway gRPC"


def serving_table(cells: Sequence[Cell]) -> Table:
    rows = tuple((c.model, str(c.rows), str(c.concurrency), c.system, fmt_number(c.result.throughput),
                  fmt_number(c.result.p50_ms, 2), fmt_number(c.result.p99_ms, 2), str(c.result.errors))
                 for c in cells)
    return Table("Serving: throughput and latency (median over rounds)",
                 ("model", "rows", "conc.", "system", "req/s", "p50 ms", "p99 ms", "errors"), rows)


def ratio_table(cells: Sequence[Cell]) -> Table:
    """Each Hydro system's throughput divided by each peer's, cell by cell, same run."""
    peers = sorted({c.system for c in cells if not c.system.startswith(HYDRO_PREFIX)})
    rows = []
    for cell in cells:
        if not cell.system.startswith(HYDRO_PREFIX):
            continue
        figures = [find(list(cells), cell.model, cell.rows, cell.concurrency, peer) for peer in peers]
        rows.append((cell.model, str(cell.rows), str(cell.concurrency), cell.system,
                     *(fmt_ratio(ratio(cell.result.throughput, f.throughput)) if f else "n/a" for f in figures)))
    return Table("Serving: Hydro throughput as a ratio to each peer (same run)",
                 ("model", "rows", "conc.", "Hydro system", *peers), tuple(rows))


def fastest_peer(cells: Sequence[Cell], model: str, concurrency: int, grpc_only: bool) -> Cell | None:
    """The peer (MLServer, KServe, BentoML; not the floors) with the highest throughput."""
    candidates = [c for c in cells if c.model == model and c.rows == 1 and c.concurrency == concurrency
                  and not c.system.startswith(HYDRO_PREFIX) and "floor" not in c.system
                  and (not grpc_only or "gRPC" in c.system)]
    return max(candidates, key=lambda c: c.result.throughput, default=None)


@dataclass(frozen=True)
class Target:
    name: str
    measured: str
    passed: bool | None  # None: not measured in this run


def throughput_targets(cells: Sequence[Cell]) -> list[Target]:
    targets = []
    checks = (("lr", RUNTIME, True, 1.3), ("rf", RUNTIME, True, 1.3), ("lr", GATEWAY_HTTP, False, 1.0),
              ("rf", GATEWAY_HTTP, False, 3.0))
    for model, system, grpc_only, factor in checks:
        ours = find(list(cells), model, 1, 8, system)
        peer = fastest_peer(cells, model, 8, grpc_only)
        name = f"{model}: {system} >= {factor}x fastest peer{' gRPC' if grpc_only else ''} (conc. 8, 1 row)"
        if ours is None or peer is None:
            targets.append(Target(name, "not measured", None))
            continue
        value = ratio(ours.throughput, peer.result.throughput)
        p99_ok = ours.p99_ms <= peer.result.p99_ms
        measured = (f"{ours.throughput:,.0f} vs {peer.system} {peer.result.throughput:,.0f} req/s = "
                    f"{fmt_ratio(value)}; p99 {ours.p99_ms:.1f} vs {peer.result.p99_ms:.1f} ms")
        targets.append(Target(name, measured, value >= factor and (grpc_only or p99_ok)))
    return targets


def gateway_overhead(cells: Sequence[Cell]) -> list[tuple[str, float]]:
    """p50 of the gateway minus p50 of the runtime called directly (lr, 1 row, concurrency 1)."""
    direct = find(list(cells), "lr", 1, 1, RUNTIME)
    found = []
    for system in (GATEWAY_HTTP, GATEWAY_GRPC):
        via = find(list(cells), "lr", 1, 1, system)
        found.append((system, via.p50_ms - direct.p50_ms if via and direct else math.nan))
    pipe = find(list(cells), "lr", 1, 1, GATEWAY_HTTP + " (2-stage pipeline)")
    single = find(list(cells), "lr", 1, 1, GATEWAY_HTTP)
    found.append(("second stage, HTTP (pipeline minus singular)", pipe.p50_ms - single.p50_ms
                  if pipe and single else math.nan))
    return found


def target_table(targets: Sequence[Target]) -> Table:
    verdict = {True: "PASS", False: "FAIL", None: "not measured"}
    return Table("Targets (issue 10)", ("target", "measured", "result"),
                 tuple((t.name, t.measured, verdict[t.passed]) for t in targets))


def monitoring_overhead(cells: Sequence[Cell]) -> tuple[Table, Target]:
    """The same servable with its inference events recorded (monitored) and without, lr, 1 row."""
    rows, worst = [], math.nan
    for concurrency in sorted({c.concurrency for c in cells}):
        on = find(list(cells), "lr", 1, concurrency, f"{GATEWAY_GRPC} bench-lr servable, monitored")
        off = find(list(cells), "lr", 1, concurrency, f"{GATEWAY_GRPC} bench-lr servable, no events")
        if on is None or off is None:
            continue
        extra = ratio(on.p50_ms, off.p50_ms) - 1
        worst = extra if math.isnan(worst) else max(worst, extra)
        rows.append((str(concurrency), f"{off.p50_ms:.2f}", f"{on.p50_ms:.2f}", f"{extra:+.1%}",
                     fmt_number(off.throughput), fmt_number(on.throughput)))
    table = Table("Monitoring overhead (gRPC gateway, same servable: PredictServable vs ShadowlessPredictServable)",
                  ("conc.", "p50 ms, no events", "p50 ms, monitored", "p50 change", "req/s, no events",
                   "req/s, monitored"), tuple(rows))
    measured = "not measured" if math.isnan(worst) else f"{worst:+.1%} (worst concurrency)"
    return table, Target("monitoring overhead on prediction p50 <= 5%", measured,
                         None if math.isnan(worst) else worst <= 0.05)
