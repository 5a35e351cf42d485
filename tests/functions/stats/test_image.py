from __future__ import annotations

import numpy as np
import pytest

from functions.stats.errors import BadProfile, BadValues
from functions.stats.image import PIXEL_BINS, ImageProfile
from tests.functions.stats.helpers import assert_close


def test_batch_of_uint8_images() -> None:
    images = np.random.default_rng(0).integers(0, 256, (20, 28, 32), dtype=np.uint8)
    profile = ImageProfile()
    profile.update(images[:7])
    profile.update(images[7:])
    summary = profile.summary()
    assert summary["count"] == 20
    assert (summary["height"]["mean"], summary["width"]["mean"], summary["channels"]["mean"]) == (28.0, 32.0, 1.0)
    per_image = images.reshape(20, -1).astype(float)
    assert summary["mean"]["mean"] == pytest.approx(per_image.mean(axis=1).mean())
    assert summary["std"]["max"] == pytest.approx(per_image.std(axis=1).max())
    pixels = summary["pixels"]
    assert pixels["range"] == "0..255" and pixels["edges"][-1] == 256.0
    assert pixels["counts"][1:-1] == np.histogram(images, bins=PIXEL_BINS, range=(0, 256))[0].tolist()
    assert pixels["counts"][0] == pixels["counts"][-1] == 0


def test_float_images_of_varying_sizes_with_missing_ones() -> None:
    profile = ImageProfile()
    profile.update([np.full((4, 5, 3), 0.5), None, np.array([[0.0, 1.0], [1.5, -0.2]])])
    summary = profile.summary()
    assert (summary["count"], summary["missing"]) == (2, 1)
    assert summary["pixels"]["range"] == "0..1"
    counts = summary["pixels"]["counts"]
    assert (counts[0], counts[-1]) == (1, 1)
    assert sum(counts) == 4 * 5 * 3 + 4
    assert (summary["channels"]["min"], summary["channels"]["max"]) == (1.0, 3.0)


@pytest.mark.parametrize("bad", [np.zeros((3, 4)), [np.zeros(5)], [np.array(["a"])]])
def test_bad_shapes_are_rejected(bad: object) -> None:
    with pytest.raises(BadValues, match=r"^values"):
        ImageProfile().update(bad)


def test_merge_equals_whole_and_refuses_other_ranges() -> None:
    images = np.random.default_rng(1).integers(0, 256, (10, 8, 8, 3), dtype=np.uint8)
    whole, left, right = ImageProfile(), ImageProfile(), ImageProfile()
    whole.update(images)
    left.update(images[:4])
    right.update(images[4:])
    assert_close(left.merge(right).summary(), whole.summary())
    floats = ImageProfile()
    floats.update(np.zeros((1, 2, 2)))
    with pytest.raises(BadProfile, match=r"^pixel_range"):
        whole.merge(floats)
