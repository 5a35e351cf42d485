"""Image profile: shape statistics, per-image intensity statistics and an overall pixel histogram.

A chunk is a batch of images: a numeric array shaped (n, height, width) or (n, height, width,
channels) (channels last), or a sequence of such images of varying sizes with None for a missing
one. The pixel histogram has fixed bins over 0..255 for integer images and 0..1 for float images,
detected from the first chunk's dtype; pixels outside that range count as under- or overflow.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import numpy as np

from functions.stats.bins import count_into
from functions.stats.errors import BadProfile, BadValues
from functions.stats.numerical import NumericalProfile
from functions.stats.profile import Profile, check_header, field_of, header, nested

PIXEL_BINS = 32
RANGES = {"0..255": (0.0, 256.0), "0..1": (0.0, 1.0)}
_COMPONENTS = ("height", "width", "channels", "mean", "std")


def _range_for(dtype: np.dtype) -> str:
    return "0..255" if dtype.kind in "iu" else "0..1"


def pixel_edges(pixel_range: str) -> np.ndarray:
    low, high = RANGES[pixel_range]
    return np.linspace(low, high, PIXEL_BINS + 1)


class ImageProfile(Profile):
    """Profile of an image field. Its numerical components are per-image figures."""

    kind = "image"

    def __init__(self, parts: Mapping[str, NumericalProfile] | None = None, pixel_range: str | None = None) -> None:
        self.parts = {name: (parts or {}).get(name) or NumericalProfile() for name in _COMPONENTS}
        self.pixel_range = pixel_range
        self.pixel_counts = np.zeros(PIXEL_BINS + 2)
        self._missing = 0

    @property
    def count(self) -> int:
        return self.parts["height"].count

    @property
    def missing(self) -> int:
        return self._missing

    def components(self) -> dict[str, Profile]:
        """The parts compared by the drift report, each as its own feature."""
        return dict(self.parts)

    def update(self, values: Any) -> None:
        if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
            if values.ndim not in (3, 4):
                expected = "an image chunk needs shape (n, height, width[, channels])"
                raise BadValues("values", f"{expected}, got {values.shape}")
            self._add_batch(values)
            return
        for image in values:
            if image is None:
                self._missing += 1
                continue
            array = np.asarray(image)
            if array.ndim not in (2, 3) or array.dtype.kind not in "biuf":
                raise BadValues("values", f"each image needs numeric shape (height, width[, channels]), "
                                          f"got {array.dtype} {array.shape}")
            self._add_batch(array[np.newaxis])

    def _add_batch(self, batch: np.ndarray) -> None:
        n = batch.shape[0]
        if n == 0:
            return
        if self.pixel_range is None:
            self.pixel_range = _range_for(batch.dtype)
        flat = batch.reshape(n, -1).astype(np.float64)
        channels = batch.shape[3] if batch.ndim == 4 else 1
        figures = {"height": batch.shape[1], "width": batch.shape[2], "channels": channels,
                   "mean": flat.mean(axis=1), "std": flat.std(axis=1)}
        for name, value in figures.items():
            self.parts[name].update(np.broadcast_to(np.asarray(value, dtype=np.float64), (n,)))
        self.pixel_counts = self.pixel_counts + self._pixel_histogram(batch)

    def _pixel_histogram(self, batch: np.ndarray) -> np.ndarray:
        assert self.pixel_range is not None
        if self.pixel_range == "0..255" and batch.dtype.kind in "iu":
            # Integer pixels: exact per-value counts, folded into bins of 8 values.
            clipped = np.clip(batch.ravel().astype(np.int64), -1, 256) + 1
            per_value = np.bincount(clipped, minlength=258).astype(np.float64)
            inner = per_value[1:257].reshape(PIXEL_BINS, -1).sum(axis=1)
            return np.concatenate([[per_value[0]], inner, [per_value[257]]])
        pixels = batch.ravel().astype(np.float64)
        return count_into(pixel_edges(self.pixel_range), pixels[np.isfinite(pixels)])

    def merge(self, other: Self) -> Self:
        self._check_mergeable(other)
        if None not in (self.pixel_range, other.pixel_range) and self.pixel_range != other.pixel_range:
            raise BadProfile("pixel_range", f"cannot merge {self.pixel_range} with {other.pixel_range} images")
        merged = type(self)({name: part.merge(other.parts[name]) for name, part in self.parts.items()},
                            self.pixel_range or other.pixel_range)
        merged.pixel_counts = self.pixel_counts + other.pixel_counts
        merged._missing = self._missing + other._missing
        return merged

    def empty_like(self) -> Self:
        return type(self)({name: part.empty_like() for name, part in self.parts.items()}, self.pixel_range)

    def with_reference_bins(self, bins: int = 10) -> Self:
        copy = type(self)({name: part.with_reference_bins(bins) for name, part in self.parts.items()},
                          self.pixel_range)
        copy.pixel_counts = self.pixel_counts.copy()
        copy._missing = self._missing
        return copy

    def summary(self) -> dict[str, Any]:
        edges = pixel_edges(self.pixel_range).tolist() if self.pixel_range else []
        return {
            "count": self.count,
            "missing": self._missing,
            **{name: part.summary() for name, part in self.parts.items()},
            "pixels": {"range": self.pixel_range, "edges": edges, "counts": self.pixel_counts.tolist()},
        }

    def to_dict(self) -> dict[str, Any]:
        return {**header(self.kind), "missing": self._missing, "pixel_range": self.pixel_range,
                "pixel_counts": self.pixel_counts.tolist(),
                "parts": {name: part.to_dict() for name, part in self.parts.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        data = check_header(data, cls.kind)
        parts = field_of(data, "parts", dict)
        missing_parts = [name for name in _COMPONENTS if name not in parts]
        if missing_parts:
            raise BadProfile(f"parts.{missing_parts[0]}", "is required")
        pixel_range = data.get("pixel_range")
        if pixel_range is not None and pixel_range not in RANGES:
            raise BadProfile("pixel_range", f"expected one of {sorted(RANGES)} or null, got {pixel_range!r}")
        profile = cls({name: nested(parts, name, NumericalProfile.from_dict) for name in _COMPONENTS}, pixel_range)
        counts = np.asarray(field_of(data, "pixel_counts", list), dtype=np.float64)
        if counts.shape != (PIXEL_BINS + 2,):
            raise BadProfile("pixel_counts", f"expected {PIXEL_BINS + 2} counts, got {counts.size}")
        profile.pixel_counts = counts
        profile._missing = field_of(data, "missing", int)
        return profile
