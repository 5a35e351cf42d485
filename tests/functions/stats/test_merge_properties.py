"""merge(chunk profiles) == profile of everything at once, for every profile kind."""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from functions.stats import CategoricalProfile, NumericalProfile, Profile, TextProfile
from tests.functions.stats.helpers import assert_close

# Multiples of 1/8 are exact in binary, so sums differ between merge orders by rounding only.
numbers = st.one_of(st.integers(-8000, 8000).map(lambda i: i / 8), st.none(), st.just(float("nan")))
categories = st.sampled_from(["a", "b", "c", 1, 2, 7.5, None])
texts = st.one_of(st.none(), st.text(alphabet="ab c,D", max_size=20))


def _chunked(draw: st.DrawFn, values: st.SearchStrategy[Any]) -> list[list[Any]]:
    return draw(st.lists(st.lists(values, max_size=25), min_size=1, max_size=6))


def _profiles(factory: Callable[[], Profile], chunks: list[list[Any]]) -> tuple[Profile, list[Profile]]:
    whole = factory()
    whole.update(np.array([v for chunk in chunks for v in chunk], dtype=object))
    parts = []
    for chunk in chunks:
        part = factory()
        part.update(np.array(chunk, dtype=object))
        parts.append(part)
    return whole, parts


@st.composite
def numeric_chunks(draw: st.DrawFn) -> list[list[Any]]:
    return _chunked(draw, numbers)


@st.composite
def categorical_chunks(draw: st.DrawFn) -> list[list[Any]]:
    return _chunked(draw, categories)


@st.composite
def text_chunks(draw: st.DrawFn) -> list[list[Any]]:
    return _chunked(draw, texts)


@given(numeric_chunks())
@settings(max_examples=80, deadline=None)
def test_numerical_merge_equals_whole(chunks: list[list[Any]]) -> None:
    whole, parts = _profiles(NumericalProfile, chunks)
    merged = reduce(lambda left, right: left.merge(right), parts)
    assert_close(merged.summary(), whole.summary(), rel=1e-9, abs_tol=1e-9)
    assert np.array_equal(merged.hll.registers, whole.hll.registers)  # type: ignore[attr-defined]


@given(numeric_chunks())
@settings(max_examples=60, deadline=None)
def test_numerical_merge_is_associative(chunks: list[list[Any]]) -> None:
    _, parts = _profiles(NumericalProfile, [*chunks, [1.0], [2.5]])
    left = reduce(lambda a, b: a.merge(b), parts)
    right = reduce(lambda a, b: b.merge(a), reversed(parts))
    assert_close(left.summary(), right.summary(), rel=1e-9, abs_tol=1e-9)


@given(categorical_chunks())
@settings(max_examples=80, deadline=None)
def test_categorical_merge_equals_whole(chunks: list[list[Any]]) -> None:
    whole, parts = _profiles(CategoricalProfile, chunks)
    merged = reduce(lambda left, right: left.merge(right), parts)
    assert merged.summary() == whole.summary()


@given(categorical_chunks())
@settings(max_examples=80, deadline=None)
def test_categorical_merge_beyond_capacity_stays_within_the_bound(chunks: list[list[Any]]) -> None:
    whole, parts = _profiles(lambda: CategoricalProfile(capacity=2), chunks)
    merged = reduce(lambda left, right: left.merge(right), parts)
    exact, _ = _profiles(CategoricalProfile, chunks)
    truth = exact.frequent.counts  # type: ignore[attr-defined]
    bound = exact.count / 3
    assert merged.count == whole.count == exact.count
    for key, count in merged.frequent.counts.items():  # type: ignore[attr-defined]
        assert truth[key] - bound <= count <= truth[key]


@given(text_chunks())
@settings(max_examples=60, deadline=None)
def test_text_merge_equals_whole(chunks: list[list[Any]]) -> None:
    whole, parts = _profiles(TextProfile, chunks)
    merged = reduce(lambda left, right: left.merge(right), parts)
    assert_close(merged.summary(), whole.summary(), rel=1e-9, abs_tol=1e-9)


def test_large_streams_merge_to_the_whole_up_to_sketch_error() -> None:
    data = np.random.default_rng(0).standard_t(3, 200_000)
    whole = NumericalProfile()
    whole.update(data)
    parts = []
    for chunk in np.array_split(data, 16):
        part = NumericalProfile()
        part.update(chunk)
        parts.append(part)
    merged = reduce(lambda left, right: left.merge(right), parts)
    exact_keys = ("count", "missing", "min", "max", "distinct")
    assert {k: merged.summary()[k] for k in exact_keys} == {k: whole.summary()[k] for k in exact_keys}
    assert merged.moments.mean == pytest.approx(data.mean(), rel=1e-12, abs=1e-12)
    ordered = np.sort(data)
    for name, q in (("p5", 0.05), ("q1", 0.25), ("median", 0.5), ("q3", 0.75), ("p95", 0.95)):
        assert abs(np.searchsorted(ordered, merged.summary()[name]) / data.size - q) <= 0.01
