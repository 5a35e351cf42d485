"""RISE on a trained model that only looks at the top-left quadrant of the image."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from sklearn.linear_model import LogisticRegression

from functions.interpretability import InvalidArgument, ModelCallError, SaliencyConfig, saliency_map

SIZE = 32
HALF = SIZE // 2


def quadrant_mean(images: np.ndarray) -> np.ndarray:
    pixels = images.astype(np.float64)
    if images.dtype == np.uint8:
        pixels = pixels / 255
    return pixels[:, :HALF, :HALF].reshape(len(images), -1).mean(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def quadrant_classifier() -> LogisticRegression:
    """Class 1 when the top-left quadrant is bright; trained on that quadrant's mean only."""
    rng = np.random.default_rng(3)
    images = rng.random((600, SIZE, SIZE))
    images[:300, :HALF, :HALF] *= 0.5
    images[300:, :HALF, :HALF] = 0.5 + 0.5 * images[300:, :HALF, :HALF]
    labels = np.repeat([0, 1], 300)
    return LogisticRegression(C=100.0).fit(quadrant_mean(images), labels)


@pytest.fixture
def predict(quadrant_classifier):
    calls: list[int] = []

    def answer(batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        calls.append(len(batch["image"]))
        return {"probabilities": quadrant_classifier.predict_proba(quadrant_mean(batch["image"]))}

    answer.calls = calls  # type: ignore[attr-defined]
    return answer


def bright_image(shape: tuple[int, ...], dtype: type) -> np.ndarray:
    rng = np.random.default_rng(8)
    image = rng.random(shape) * 0.6
    image[:HALF, :HALF] = 0.9
    return (image * 255).astype(np.uint8) if dtype is np.uint8 else image.astype(dtype)


@pytest.mark.parametrize(
    ("shape", "dtype"),
    [((SIZE, SIZE), np.uint8), ((SIZE, SIZE, 3), np.float32), ((SIZE, SIZE, 1), np.float64)],
)
def test_most_saliency_falls_in_the_region_the_model_reads(shape, dtype, predict):
    config = SaliencyConfig(n_masks=2000, grid_size=4)
    result = saliency_map(bright_image(shape, dtype), predict, "image", "probabilities", None, config)

    saliency = result.saliency
    assert saliency.shape == (SIZE, SIZE)
    assert saliency.min() == 0.0 and saliency.max() == pytest.approx(1.0)
    assert saliency[:HALF, :HALF].sum() / saliency.sum() > 0.5
    assert saliency[:HALF, :HALF].mean() > 3 * saliency[HALF:, HALF:].mean()
    assert result.class_index == 1 and result.score > 0.5


def test_the_png_is_the_heat_map_over_the_image(predict):
    result = saliency_map(bright_image((SIZE, SIZE, 3), np.float32), predict, "image", "probabilities", 1)

    picture = Image.open(io.BytesIO(result.png))
    assert picture.format == "PNG" and picture.size == (SIZE, SIZE) and picture.mode == "RGB"
    assert result.to_dict()["png"] and len(result.to_dict()["saliency"]) == SIZE


def test_masked_images_are_scored_in_batches(predict):
    config = SaliencyConfig(n_masks=250, batch_size=100)
    result = saliency_map(bright_image((SIZE, SIZE), np.uint8), predict, "image", "probabilities", 0, config)

    assert predict.calls == [101, 100, 50]  # the unmasked image rides with the first batch
    assert (result.model_calls, result.model_rows) == (3, 251)


def test_the_same_seed_gives_the_same_map(predict):
    image = bright_image((SIZE, SIZE), np.uint8)
    first = saliency_map(image, predict, "image", "probabilities", None, {"n_masks": 200, "seed": 4})
    second = saliency_map(image, predict, "image", "probabilities", None, {"n_masks": 200, "seed": 4})
    np.testing.assert_array_equal(first.saliency, second.saliency)


def test_a_single_score_output_is_explained_directly(quadrant_classifier):
    def predict(batch):
        return {"score": quadrant_classifier.predict_proba(quadrant_mean(batch["image"]))[:, 1]}

    result = saliency_map(bright_image((SIZE, SIZE), np.uint8), predict, "image", "score", None, {"n_masks": 1000})

    assert result.class_index is None
    assert result.saliency[:HALF, :HALF].mean() > 2 * result.saliency[HALF:, HALF:].mean()
    with pytest.raises(InvalidArgument, match="class_index"):
        saliency_map(bright_image((SIZE, SIZE), np.uint8), predict, "image", "score", 1)


@pytest.mark.parametrize(
    ("image", "field"),
    [
        (np.zeros((4, 4, 2)), "image"),
        (np.zeros((2, 4, 4, 3)), "image"),
        (np.zeros((4, 4), dtype=object), "image"),
        (np.full((4, 4), np.nan), "image"),
        ([[0, 1], [1, 0]], "image"),
    ],
)
def test_bad_images_are_rejected(image, field, predict):
    with pytest.raises(InvalidArgument) as error:
        saliency_map(image, predict, "image", "probabilities")
    assert error.value.field == field


def test_a_class_index_outside_the_output_is_rejected(predict):
    with pytest.raises(InvalidArgument, match=r"class_index: must be in 0\.\.1"):
        saliency_map(bright_image((SIZE, SIZE), np.uint8), predict, "image", "probabilities", 5)


def test_a_missing_output_field_is_a_model_error(predict):
    with pytest.raises(ModelCallError, match="output 'logits' is missing"):
        saliency_map(bright_image((SIZE, SIZE), np.uint8), predict, "image", "logits")
