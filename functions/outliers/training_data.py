"""Reading a training CSV: streamed, with a bounded uniform sample of its rows.

Only the cells of the usable columns are kept, and at most `max_rows` rows of them (reservoir
sampling, Vitter's algorithm R, seeded): a file of any length costs `max_rows` rows of memory and
every row has the same chance to be kept. Cells stay text here; empty cells, short rows and
unparsable numbers become missing values when encoded (see `scoring`).
"""

from __future__ import annotations

import csv
import io
import os
import random
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, TypeVar, cast

from functions.outliers.columns import ColumnPlan, training_columns
from functions.outliers.errors import BadSettings, BadTrainingData
from protos.contract import Contract

DEFAULT_MAX_ROWS = 100_000
Source = str | os.PathLike[str] | IO[str] | IO[bytes]
T = TypeVar("T")


@dataclass(frozen=True)
class TrainingData:
    """The sampled cells of the usable columns (name -> one text cell per kept row)."""

    plan: ColumnPlan
    cells: dict[str, list[str]]
    rows_read: int
    """Data rows in the file (blank lines excluded)."""

    @property
    def rows_used(self) -> int:
        return len(next(iter(self.cells.values()), []))


def read_training_data(source: Source, contract: Contract, *, max_rows: int = DEFAULT_MAX_ROWS,
                       seed: int = 0) -> TrainingData:
    """Read a CSV with a header row from a path or an open (text or binary) file.

    `NoUsableColumns` when no contract input is usable; `BadTrainingData` for an empty file, a
    header without data rows, or a file that is not UTF-8 CSV.
    """
    if max_rows < 1:
        raise BadSettings(f"max_rows: must be at least 1, got {max_rows}")
    name = _describe(source)
    with _text_lines(source) as lines:
        rows = csv.reader(lines)
        try:
            header = next((row for row in rows if row), None)
            if not header or not any(cell.strip() for cell in header):
                raise BadTrainingData(f"training data {name}: the file is empty (no header row)")
            plan = training_columns(contract, header)
            kept, read = reservoir(_cells(rows, [c.index for c in plan.columns]), max_rows, random.Random(seed))
        except (csv.Error, UnicodeDecodeError) as exc:
            raise BadTrainingData(f"training data {name}: not a readable UTF-8 CSV file: {exc}") from exc
    if not kept:
        raise BadTrainingData(f"training data {name}: the header has no data rows under it")
    cells = {column.name: [row[i] for row in kept] for i, column in enumerate(plan.columns)}
    return TrainingData(plan, cells, read)


def reservoir(items: Iterable[T], size: int, rng: random.Random) -> tuple[list[T], int]:
    """A uniform sample of at most `size` items from a stream of unknown length, and its length."""
    kept: list[T] = []
    count = 0
    for count, item in enumerate(items, start=1):
        if count <= size:
            kept.append(item)
        else:
            slot = rng.randrange(count)
            if slot < size:
                kept[slot] = item
    return kept, count


def _cells(rows: Iterator[list[str]], positions: list[int]) -> Iterator[tuple[str, ...]]:
    """The cells at `positions` of each non-blank row; a short row's missing cells are empty."""
    for row in rows:
        if row:
            yield tuple(row[p] if p < len(row) else "" for p in positions)


@contextmanager
def _text_lines(source: Source) -> Iterator[IO[str]]:
    if isinstance(source, str | os.PathLike):
        try:
            handle = open(source, encoding="utf-8-sig", newline="")  # noqa: SIM115  (closed below)
        except OSError as exc:
            raise BadTrainingData(f"training data {os.fspath(source)}: cannot open: {exc}") from exc
        with handle:
            yield handle
    elif isinstance(source.read(0), str):
        yield source  # type: ignore[misc]
    else:
        wrapper = io.TextIOWrapper(cast("IO[bytes]", source), encoding="utf-8-sig", newline="")
        try:
            yield wrapper
        finally:
            wrapper.detach()  # the caller's stream stays open: it is the caller's to close


def _describe(source: Any) -> str:
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    return str(getattr(source, "name", "<stream>"))
