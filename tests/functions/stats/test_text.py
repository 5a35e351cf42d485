from __future__ import annotations

import numpy as np

from functions.stats.text import TextProfile, tokenize
from tests.functions.stats.helpers import assert_close


def test_tokens_are_lowercased_word_runs() -> None:
    assert tokenize("Hello, WORLD! It's 2024 - café") == ["hello", "world", "it", "s", "2024", "café"]


def test_length_statistics_top_tokens_and_vocabulary() -> None:
    profile = TextProfile()
    profile.update(np.array(["the cat sat", None, "the dog", np.nan, "The end"], dtype=object))
    summary = profile.summary()
    assert (summary["count"], summary["missing"]) == (3, 2)
    assert summary["chars"]["mean"] == np.mean([11, 7, 7])
    assert (summary["tokens"]["min"], summary["tokens"]["max"]) == (2.0, 3.0)
    assert summary["top_tokens"][0] == {"value": "the", "count": 3}
    assert summary["vocabulary"] == 5


def test_merge_equals_profiling_everything_at_once() -> None:
    rng = np.random.default_rng(0)
    words = np.array(["alpha", "beta", "gamma", "delta", "eps"])
    docs = [" ".join(rng.choice(words, rng.integers(0, 9))) for _ in range(150)]
    whole, left, right = TextProfile(), TextProfile(), TextProfile()
    whole.update(docs)
    left.update(docs[:60])
    right.update(docs[60:])
    assert_close(left.merge(right).summary(), whole.summary())


def test_reference_bins_carry_over_to_production() -> None:
    training = TextProfile()
    training.update([f"word {'x ' * i}" for i in range(200)])
    production = training.with_reference_bins().empty_like()
    assert production.chars.edges is not None and production.tokens.edges is not None
    assert production.count == 0
