"""Drift benchmark: profile 500,000 rows x 25 columns streamed in chunks, then compare.

20 numerical and 5 categorical columns; production drifts in 3 of them (a 0.3-std mean shift, a
1.5x spread change and a categorical frequency change). Reports the time to build the training
and production profiles, the time of the drift report, peak memory (tracemalloc over a second,
identical run, and the process's ru_maxrss) and which columns are flagged.

    python -m tests.bench.bench_drift [--rows N] [--chunk N] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Iterator
from typing import Any

import numpy as np

from functions.stats import CategoricalProfile, DriftReport, NumericalProfile, Profile, drift_report
from tests.bench.drift_data import CATEGORICAL, DRIFTED, NUMERICAL, chunks


def profile_stream(stream: Iterator[dict[str, np.ndarray]], like: dict[str, Profile] | None
                   ) -> tuple[dict[str, Profile], float]:
    """Profiles of every column, and the seconds spent in `update()` (data generation excluded)."""
    profiles: dict[str, Profile] = {}
    spent = 0.0
    for columns in stream:
        began = time.perf_counter()
        for name, values in columns.items():
            if name not in profiles:
                fresh = NumericalProfile() if name in NUMERICAL else CategoricalProfile()
                profiles[name] = like[name].empty_like() if like else fresh
            profiles[name].update(values)
        spent += time.perf_counter() - began
    return profiles, spent


def run(rows: int, chunk: int, seed: int) -> tuple[dict[str, float], DriftReport, dict[str, int]]:
    raw, training_time = profile_stream(chunks(rows, chunk, seed, False), None)
    began = time.perf_counter()
    training = {name: p.with_reference_bins() for name, p in raw.items()}
    training_time += time.perf_counter() - began
    production, production_time = profile_stream(chunks(rows, chunk, seed + 1, True), training)
    report_times = []
    for _ in range(5):
        begin = time.perf_counter()
        report = drift_report(training, production)
        report_times.append(time.perf_counter() - begin)
    sizes = {"training_json_bytes": sum(len(json.dumps(p.to_dict())) for p in training.values()),
             "report_json_bytes": len(json.dumps(report.to_dict(), allow_nan=False))}
    times = {"training_profiles_s": training_time, "production_profiles_s": production_time,
             "drift_report_s": statistics.median(report_times)}
    return times, report, sizes


def measure(rows: int, chunk: int, seed: int) -> dict[str, Any]:
    times, report, sizes = run(rows, chunk, seed)
    tracemalloc.start()
    run(rows, chunk, seed)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    scale = 1 if sys.platform == "darwin" else 1024
    return {
        "rows": rows, "columns": len(NUMERICAL) + len(CATEGORICAL), "chunk": chunk, **times, **sizes,
        "tracemalloc_peak_mb": peak / 2**20,
        "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20,
        "injected": list(DRIFTED), "flagged": list(report.drifted_features),
        "exact": sorted(report.drifted_features) == sorted(DRIFTED),
        "share": report.share, "verdict_drifted": report.drifted,
    }


def _table(result: dict[str, Any]) -> str:
    rows = [
        ("data", f"{result['rows']:,} rows x {result['columns']} columns, chunks of {result['chunk']:,}"),
        ("training profiles", f"{result['training_profiles_s']:.2f} s (updates + reference bins)"),
        ("production profiles", f"{result['production_profiles_s']:.2f} s (updates)"),
        ("drift report", f"{result['drift_report_s'] * 1000:.0f} ms (median of 5)"),
        ("peak memory", f"{result['tracemalloc_peak_mb']:.1f} MB tracemalloc, {result['ru_maxrss_mb']:.0f} MB maxrss"),
        ("stored training profiles", f"{result['training_json_bytes'] / 1024:.0f} KB JSON"),
        ("injected drift", ", ".join(result["injected"])),
        ("flagged", ", ".join(result["flagged"]) + ("  (exact)" if result["exact"] else "  (MISMATCH)")),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    result = measure(args.rows, args.chunk, args.seed)
    print(json.dumps(result, indent=2) if args.json else _table(result))
    return 0 if result["exact"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
