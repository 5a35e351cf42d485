"""Text profile: length statistics (characters and tokens), top tokens and vocabulary size.

Tokens are maximal runs of word characters (`\\w+`, Unicode-aware), lower-cased: a plain,
language-neutral rule that needs no model and splits the same way in every process.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any, Self

import numpy as np

from functions.stats.categorical import CategoricalProfile
from functions.stats.numerical import NumericalProfile
from functions.stats.profile import Profile, check_header, field_of, header, nested
from functions.stats.values import Category, as_texts

_TOKEN = re.compile(r"\w+")


def tokenize(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


class TextProfile(Profile):
    """Profile of a text field: `chars` and `tokens` are numerical profiles of per-document
    lengths, `vocabulary` a categorical profile of the tokens."""

    kind = "text"

    def __init__(self, chars: NumericalProfile | None = None, tokens: NumericalProfile | None = None,
                 vocabulary: CategoricalProfile | None = None) -> None:
        self.chars = chars or NumericalProfile()
        self.tokens = tokens or NumericalProfile()
        self.vocabulary = vocabulary or CategoricalProfile()
        self._missing = 0

    @property
    def count(self) -> int:
        return self.chars.count

    @property
    def missing(self) -> int:
        return self._missing

    def components(self) -> dict[str, Profile]:
        """The parts compared by the drift report, each as its own feature."""
        return {"chars": self.chars, "tokens": self.tokens, "vocabulary": self.vocabulary}

    def update(self, values: Any) -> None:
        texts, missing = as_texts(values)
        self._missing += missing
        token_lists = [tokenize(text) for text in texts]
        self.chars.update(np.fromiter((len(text) for text in texts), dtype=np.float64, count=len(texts)))
        self.tokens.update(np.fromiter((len(tokens) for tokens in token_lists), dtype=np.float64,
                                       count=len(token_lists)))
        counts: Counter[Category] = Counter()
        for tokens in token_lists:
            counts.update(tokens)
        self.vocabulary.add_counts(counts)

    def merge(self, other: Self) -> Self:
        self._check_mergeable(other)
        merged = type(self)(self.chars.merge(other.chars), self.tokens.merge(other.tokens),
                            self.vocabulary.merge(other.vocabulary))
        merged._missing = self._missing + other._missing
        return merged

    def empty_like(self) -> Self:
        return type(self)(self.chars.empty_like(), self.tokens.empty_like(), self.vocabulary.empty_like())

    def with_reference_bins(self, bins: int = 10) -> Self:
        copy = type(self)(self.chars.with_reference_bins(bins), self.tokens.with_reference_bins(bins),
                          self.vocabulary.with_reference_bins(bins))
        copy._missing = self._missing
        return copy

    def summary(self) -> dict[str, Any]:
        vocabulary = self.vocabulary.summary()
        return {
            "count": self.count,
            "missing": self._missing,
            "chars": self.chars.summary(),
            "tokens": self.tokens.summary(),
            "vocabulary": vocabulary["distinct"],
            "top_tokens": vocabulary["top"],
        }

    def to_dict(self) -> dict[str, Any]:
        return {**header(self.kind), "missing": self._missing, "chars": self.chars.to_dict(),
                "tokens": self.tokens.to_dict(), "vocabulary": self.vocabulary.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        data = check_header(data, cls.kind)
        profile = cls(nested(data, "chars", NumericalProfile.from_dict),
                      nested(data, "tokens", NumericalProfile.from_dict),
                      nested(data, "vocabulary", CategoricalProfile.from_dict))
        profile._missing = field_of(data, "missing", int)
        return profile
