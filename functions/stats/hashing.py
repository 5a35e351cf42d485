"""Stable, vectorised 64-bit hashes for distinct-count sketches.

Python's `hash()` is salted per process, so sketches built in two processes could not be merged;
these hashes depend only on the value. Numbers hash their float64 bit pattern (so 1 and 1.0 are
one value, as they are for `np.unique`), strings their UTF-32 code points. The two families start
from different seeds so that 1 and "1" are different values.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

_NUMBER_SEED = np.uint64(0x9E3779B97F4A7C15)
_STRING_SEED = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_MIX_1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX_2 = np.uint64(0xC4CEB9FE1A85EC53)
_SHIFT = np.uint64(33)


def _finalise(h: np.ndarray) -> np.ndarray:
    # The murmur3 64-bit finaliser: a bijection whose every output bit depends on every input bit,
    # which HyperLogLog needs (it reads the top bits as a bucket and the rest as a bit pattern).
    h = h ^ (h >> _SHIFT)
    h = h * _MIX_1
    h = h ^ (h >> _SHIFT)
    h = h * _MIX_2
    return h ^ (h >> _SHIFT)


def hash_numbers(values: np.ndarray) -> np.ndarray:
    """uint64 hashes of finite numbers (any numeric dtype); -0.0 hashes as 0.0."""
    floats = np.ascontiguousarray(values, dtype=np.float64) + 0.0
    return _finalise(floats.view(np.uint64) ^ _NUMBER_SEED)


def hash_strings(values: Sequence[str] | np.ndarray) -> np.ndarray:
    """uint64 hashes of strings: FNV-1a over UTF-32 code points (one numpy pass per character
    position, not per string), then the finaliser."""
    text = np.asarray(values, dtype=np.str_)
    if text.size == 0:
        return np.empty(0, dtype=np.uint64)
    width = text.dtype.itemsize // 4
    codes = np.ascontiguousarray(text.ravel()).view(np.uint32).reshape(text.size, width)
    h = np.full(text.size, _STRING_SEED, dtype=np.uint64)
    for column in range(width):
        h = (h ^ codes[:, column].astype(np.uint64)) * _FNV_PRIME
    return _finalise(h)
