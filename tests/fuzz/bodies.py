"""Hypothesis strategies for hostile HTTP bodies, shared by the manager API and gateway fuzzers."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator

from hypothesis import strategies as st

JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=25,
)
INVALID_UTF8 = [b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80"]


def nested_lists(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@st.composite
def _mangled(draw: st.DrawFn) -> bytes:
    """A valid JSON document with bytes cut, swapped for invalid UTF-8, or appended."""
    text = json.dumps(draw(JSON_VALUES)).encode()
    cut = draw(st.integers(0, len(text)))
    tail = draw(st.sampled_from([b"", b"}", b"]", b",", b"\x00", *INVALID_UTF8]))
    return text[:cut] + tail + text[cut:][: draw(st.integers(0, 3))]


def malformed() -> st.SearchStrategy[bytes]:
    """Bodies a client should never send: random bytes, broken JSON, odd numbers, deep nesting."""
    return st.one_of(
        st.binary(max_size=200),
        JSON_VALUES.map(lambda value: json.dumps(value).encode()),
        _mangled(),
        st.sampled_from([b"NaN", b"Infinity", b"-Infinity", b"1e999999", b"-0", b"9" * 5000, b'"\\ud800"',
                         b'{"a": NaN}', b"{" * 2000, b"[" * 2000, b"\xef\xbb\xbf{}", b""]),
        st.integers(100, 5_000).map(nested_lists),
    )


def content_types() -> st.SearchStrategy[str | None]:
    return st.sampled_from([None, "application/json", "text/plain", "application/x-www-form-urlencoded",
                            "multipart/form-data", "application/cloudevents+json", "application/json; charset=latin-1",
                            "image/png", "*/*", "application/json; charset=\x7f"])


def batch(count: int, seed: int = 9) -> Iterator[bytes]:
    """`count` hostile bodies, deterministic: the memory checks send the same batch every run."""
    generator = random.Random(seed)
    for index in range(count):
        kind = index % 4
        if kind == 0:
            yield generator.randbytes(generator.randint(0, 4096))
        elif kind == 1:
            yield nested_lists(generator.randint(1_000, 50_000))
        elif kind == 2:
            yield json.dumps({"x": [generator.random() for _ in range(generator.randint(0, 2000))]}).encode()
        else:
            yield b'{"name": "' + bytes(generator.randint(0, 255) for _ in range(64)) + b'"}'
