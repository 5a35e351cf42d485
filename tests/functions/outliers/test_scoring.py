"""The code the served model runs (copied into its func_main.py): parsing and category keys."""

from __future__ import annotations

import math

import numpy as np
import pytest

from functions.outliers import scoring


@pytest.mark.parametrize(("value", "expected"), [
    ("3.5", 3.5), (" 7 ", 7.0), ("1e3", 1000.0), (4, 4.0), (np.float32(2.5), 2.5), (np.int64(9), 9.0),
    ("true", 1.0), ("False", 0.0), (True, 1.0), (b"12", 12.0),
])
def test_parse_number(value: object, expected: float) -> None:
    assert scoring.parse_number(value) == expected


@pytest.mark.parametrize("value", ["", "  ", "abc", "1,5", None, "nan", "inf", float("-inf"), math.nan, object()])
def test_missing_unparsable_and_infinite_numbers_are_nan(value: object) -> None:
    assert math.isnan(scoring.parse_number(value))


@pytest.mark.parametrize(("csv_text", "typed"), [
    ("3", np.int64(3)), ("3.0", 3), (" 3 ", np.int32(3)), ("true", np.bool_(True)), ("1", True), ("0.25", 0.25),
])
def test_numeric_categories_from_csv_text_match_typed_request_values(csv_text: str, typed: object) -> None:
    assert scoring.category_key(csv_text, textual=False) == scoring.category_key(typed, textual=False)


def test_text_categories_are_compared_as_stripped_text() -> None:
    assert scoring.category_key(" Paris ", textual=True) == "Paris"
    assert scoring.category_key("01", textual=True) != scoring.category_key("1", textual=True)


@pytest.mark.parametrize("value", [None, "", "  ", math.nan, b""])
def test_empty_categories_are_the_missing_category(value: object) -> None:
    assert scoring.category_key(value, textual=True) == scoring.MISSING
    assert scoring.category_key(value, textual=False) == scoring.MISSING


def test_to_matrix_maps_unknown_categories_to_other_and_broadcasts_scalars() -> None:
    bundle = {"numerical": ["x"], "categorical": [{"name": "c", "textual": True, "known": ["a", scoring.MISSING]}]}
    matrix, batched = scoring.to_matrix(bundle, {"x": np.array(["1.5", "oops", ""], dtype=object),
                                                 "c": np.array(["a", "zzz", ""], dtype=object)})
    assert batched
    assert matrix[:, 0][0] == 1.5 and math.isnan(matrix[1, 0]) and math.isnan(matrix[2, 0])
    assert matrix[:, 1].tolist() == ["a", scoring.OTHER, scoring.MISSING]
    single, batched = scoring.to_matrix(bundle, {"x": np.array(2.0), "c": np.array(None, dtype=object)})
    assert not batched
    assert single.tolist() == [[2.0, scoring.MISSING]]
