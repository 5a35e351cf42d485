"""The serving section: every endpoint, every cell (model x rows x concurrency), alternated in rounds.

Within a cell the endpoints run one after another (A, B, C, ...), and the whole sequence repeats
`rounds` times, so a burst of machine noise lands on every system; each figure is the median
over rounds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tests.bench.client import Endpoint, LoadGenerator
from tests.bench.stats import CellResult, median_of_rounds

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Budget:
    warmup: float
    duration: float
    rounds: int
    concurrency: tuple[int, ...]
    rows: tuple[int, ...]


@dataclass(frozen=True)
class Cell:
    model: str
    rows: int
    concurrency: int
    system: str
    result: CellResult


def run_cells(endpoints_for: Callable[[str, np.ndarray], list[Endpoint]], matrices: dict[int, np.ndarray],
              budget: Budget, models: tuple[str, ...], progress: Progress) -> list[Cell]:
    cells: list[Cell] = []
    with LoadGenerator() as generator:
        for model in models:
            for rows in budget.rows:
                endpoints = endpoints_for(model, matrices[rows])
                for concurrency in budget.concurrency:
                    progress(f"{model}, {rows} row(s), concurrency {concurrency}: {len(endpoints)} endpoints")
                    cells.extend(_alternated(generator, endpoints, budget, model, rows, concurrency))
    return cells


def _alternated(generator: LoadGenerator, endpoints: list[Endpoint], budget: Budget, model: str, rows: int,
                concurrency: int) -> list[Cell]:
    rounds: dict[str, list[CellResult]] = {e.system: [] for e in endpoints}
    for _ in range(budget.rounds):
        for endpoint in endpoints:
            rounds[endpoint.system].append(generator.measure(endpoint, concurrency, budget.warmup, budget.duration))
    return [Cell(model, rows, concurrency, system, median_of_rounds(done)) for system, done in rounds.items()]


def find(cells: list[Cell], model: str, rows: int, concurrency: int, system: str) -> CellResult | None:
    for cell in cells:
        if (cell.model, cell.rows, cell.concurrency, cell.system) == (model, rows, concurrency, system):
            return cell.result
    return None
