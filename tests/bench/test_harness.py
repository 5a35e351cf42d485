"""The harness's pure parts (statistics, ratio table, Markdown writer) and one tiny real cell, so
`make bench` cannot rot between full runs. No timed assertions: only that figures exist and add up."""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import pytest

from tests.bench import models
from tests.bench.client import Endpoint, LoadGenerator
from tests.bench.procs import Server, free_port, grpc_ok, spawn
from tests.bench.report import BEGIN, END, Table, render, write
from tests.bench.serving import Cell
from tests.bench.stats import CellResult, median_of_rounds, percentile, ratio, summarise
from tests.bench.systems import HYDRO_PREDICT, hydro_request
from tests.bench.tables import fastest_peer, gateway_overhead, ratio_table, throughput_targets


def test_percentile_interpolates_like_numpy() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([5.0], 99) == 5.0
    assert percentile(list(range(101)), 99) == 99.0
    assert math.isnan(percentile([], 50))


def test_summarise_and_median_of_rounds() -> None:
    first = summarise([0.001] * 99 + [0.1], errors=1, seconds=2.0)
    assert (first.requests, first.errors, first.p50_ms) == (100, 1, 1.0)
    assert first.throughput == 50.0
    second = CellResult(300, 0, 2.0, 3.0, 9.0)
    third = CellResult(200, 0, 2.0, 2.0, 5.0)
    combined = median_of_rounds([first, second, third])
    assert combined.throughput == pytest.approx(100.0)
    assert (combined.p50_ms, combined.errors, combined.seconds) == (2.0, 1, 6.0)
    with pytest.raises(ValueError):
        median_of_rounds([])


def test_ratio_handles_missing_figures() -> None:
    assert ratio(300, 100) == 3.0
    assert math.isnan(ratio(1, 0)) and math.isnan(ratio(math.nan, 1))


def _cells() -> list[Cell]:
    return [Cell("lr", 1, 8, "hydro runtime gRPC", CellResult(3000, 0, 1.0, 2.0, 4.0)),
            Cell("lr", 1, 8, "hydro gateway HTTP", CellResult(1000, 0, 1.0, 5.0, 9.0)),
            Cell("lr", 1, 8, "kserve V2 gRPC", CellResult(1500, 0, 1.0, 4.0, 8.0)),
            Cell("lr", 1, 8, "flask floor HTTP", CellResult(2000, 0, 1.0, 3.0, 6.0)),
            Cell("lr", 1, 1, "hydro runtime gRPC", CellResult(500, 0, 1.0, 1.5, 2.0)),
            Cell("lr", 1, 1, "hydro gateway HTTP", CellResult(300, 0, 1.0, 2.25, 3.0))]


def test_ratio_table_divides_each_hydro_figure_by_each_peer() -> None:
    table = ratio_table(_cells())
    assert table.headers[-2:] == ("flask floor HTTP", "kserve V2 gRPC")
    runtime = next(row for row in table.rows if row[3] == "hydro runtime gRPC" and row[2] == "8")
    assert runtime[-2:] == ("1.50x", "2.00x")
    assert all(not row[3].startswith(("flask", "kserve")) for row in table.rows)


def test_targets_compare_with_the_fastest_peer() -> None:
    cells = _cells()
    peer = fastest_peer(cells, "lr", 8, grpc_only=True)
    assert peer is not None and peer.system == "kserve V2 gRPC"
    verdicts = {t.name.split(":")[1].strip()[:30]: t.passed for t in throughput_targets(cells) if t.name[:2] == "lr"}
    assert list(verdicts.values()) == [True, False]  # 3000/1500 >= 1.3; 1000/2000 < 1
    assert dict(gateway_overhead(cells))["hydro gateway HTTP"] == pytest.approx(0.75)


def test_markdown_writer_keeps_the_hand_written_text(tmp_path: Path) -> None:
    out = tmp_path / "BENCH.md"
    out.write_text("# Benchmarks\n\nHand-written context.\n")
    table = Table("T", ("a", "b"), (("1", "x|y"),), note="a note")
    write(out, render("first", [table]))
    write(out, render("second", [table]))
    text = out.read_text()
    assert text.count(BEGIN) == 1 and text.count(END) == 1
    assert "Hand-written context." in text and "second" in text and "first" not in text
    assert "| 1 | x\\|y |" in text and "a note" in text


def test_a_tiny_real_cell_floor_versus_hydro_runtime(tmp_path: Path) -> None:
    files = models.train(tmp_path / "models", names=("lr",))
    probe = models.rows(tmp_path / "models", 1)
    body = hydro_request(probe)
    floor, runtime = Server("floor"), Server("runtime")
    ports = {"floor": free_port(), "runtime": free_port()}
    started = time.monotonic()
    spawn(floor, [sys.executable, "-m", "tests.bench.servers.grpc_floor", str(ports["floor"]),
                  str(files["lr"].joblib_path)], tmp_path / "logs")
    spawn(runtime, [sys.executable, "-m", "runtimes"], tmp_path / "logs",
          {"PORT": str(ports["runtime"]), "HYDRO_RUNTIME_HOST": "127.0.0.1",
           "HYDRO_MODEL_URI": str(files["lr"].hydro_folder)})
    try:
        for server in (floor, runtime):
            server.wait_first_prediction(grpc_ok(f"127.0.0.1:{ports[server.name]}", HYDRO_PREDICT, body), started, 60)
        with LoadGenerator() as generator:
            results = {name: generator.measure(Endpoint(name, "grpc", f"127.0.0.1:{port}", body, HYDRO_PREDICT),
                                               2, 0.1, 0.5) for name, port in ports.items()}
    finally:
        floor.stop()
        runtime.stop()
    for result in results.values():
        assert result.requests > 0 and result.errors == 0
        assert 0 < result.p50_ms <= result.p99_ms
