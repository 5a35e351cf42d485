"""Reading training CSVs: edge cases, bounded sampling, and the errors for unusable files."""

from __future__ import annotations

import io
import math
import random
from collections import Counter
from pathlib import Path

import pytest

from functions.outliers import BadTrainingData, NoUsableColumns, read_training_data, train_from_csv
from functions.outliers.training_data import reservoir
from protos.contract import Contract
from tests.functions.outliers.conftest import write_csv

CONTRACT = Contract.from_dict({
    "inputs": {"x": {"type": "double"}, "c": {"type": "string"}, "absent": {"type": "double"}},
    "outputs": {"y": {"type": "double"}},
})


def read(text: str, **options: int) -> dict[str, list[str]]:
    return read_training_data(io.StringIO(text), CONTRACT, **options).cells


def test_cells_of_usable_columns_are_kept_as_text_and_extra_columns_ignored() -> None:
    data = read_training_data(io.StringIO("extra,c,x\n1,a,0.5\n2,b,1.5\n"), CONTRACT)
    assert data.cells == {"x": ["0.5", "1.5"], "c": ["a", "b"]}
    assert data.plan.skipped == (("absent", "not in the CSV header"),)
    assert (data.rows_read, data.rows_used) == (2, 2)


def test_short_rows_blank_lines_and_empty_cells_are_missing_values() -> None:
    cells = read("x,c\n1,a\n\n2\n,\n3,b,surplus\n")
    assert cells == {"x": ["1", "2", "", "3"], "c": ["a", "", "", "b"]}


def test_missing_and_unparsable_cells_are_imputed_when_training(tmp_path: Path) -> None:
    rows = [[i % 17 if i % 5 else "", "n/a" if i % 7 == 0 else f"c{i % 3}"] for i in range(200)]
    rows[3][0] = "not a number"
    detector = train_from_csv(write_csv(tmp_path / "t.csv", ["x", "c"], rows), CONTRACT)
    known = detector.bundle["categorical"][0]["known"]
    assert set(known) == {"c0", "c1", "c2", "n/a"}
    value = detector.score({"x": "", "c": None})["value"]
    assert math.isfinite(value)


def test_a_binary_stream_with_a_byte_order_mark_is_read_and_left_open() -> None:
    stream = io.BytesIO("\ufeffx,c\n1,é\n".encode())
    assert read_training_data(stream, CONTRACT).cells == {"x": ["1"], "c": ["é"]}
    assert not stream.closed


@pytest.mark.parametrize("text", ["", "\n\n", ",,\n"])
def test_an_empty_file_is_a_clear_error(text: str) -> None:
    with pytest.raises(BadTrainingData, match="the file is empty"):
        read(text)


def test_a_header_without_rows_is_a_clear_error() -> None:
    with pytest.raises(BadTrainingData, match="no data rows"):
        read("x,c\n\n")


def test_a_header_without_any_contract_input_names_the_missing_inputs(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["a", "b"], [[1, 2]])
    with pytest.raises(NoUsableColumns, match="x: not in the CSV header; c: not in the CSV header"):
        read_training_data(path, CONTRACT)


def test_a_file_that_is_not_utf8_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("x,c\n1,caf\xe9\n".encode("latin-1"))
    with pytest.raises(BadTrainingData, match=r"latin1\.csv: not a readable UTF-8 CSV"):
        read_training_data(path, CONTRACT)


def test_a_missing_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(BadTrainingData, match=r"nope\.csv: cannot open"):
        read_training_data(tmp_path / "nope.csv", CONTRACT)


def test_too_few_rows_to_train_is_a_clear_error() -> None:
    with pytest.raises(BadTrainingData, match="5 rows; at least 20 are needed"):
        train_from_csv(io.StringIO("x\n" + "1\n" * 5), CONTRACT)


def test_a_long_file_is_sampled_to_max_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "long.csv", ["x"], [[i] for i in range(20_000)])
    data = read_training_data(path, CONTRACT, max_rows=500, seed=1)
    assert (data.rows_read, data.rows_used) == (20_000, 500)
    kept = sorted(int(cell) for cell in data.cells["x"])
    assert len(set(kept)) == 500
    assert kept[-1] > 15_000, "the sample must reach the end of the file, not stop at max_rows"
    assert read_training_data(path, CONTRACT, max_rows=500, seed=1).cells == data.cells


def test_reservoir_keeps_every_item_with_the_same_probability() -> None:
    rng = random.Random(7)
    counts: Counter[int] = Counter()
    for _ in range(2000):
        kept, seen = reservoir(range(50), 10, rng)
        assert seen == 50 and len(kept) == 10
        counts.update(kept)
    # Each item is kept with probability 10/50: 400 expected in 2000 draws, sd about 18.
    assert all(330 < counts[item] < 470 for item in range(50)), counts
