"""`saliency_map`: RISE saliency for image models (Petsiuk, Das & Saenko, BMVC 2018).

The model scores N randomly masked copies of the image; a pixel's saliency is the average score
of the masks that keep it, sum(score * mask) / (N * p). Masks are drawn and scored batch by
batch, so memory stays bounded by one batch whatever N is.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from functions.interpretability.config import config_from_dict, require
from functions.interpretability.errors import InvalidArgument, ModelCallError
from functions.interpretability.model import ModelClient, Predict
from functions.interpretability.saliency.heatmap import heatmap_png
from functions.interpretability.saliency.masks import MaskGenerator


@dataclass(frozen=True)
class SaliencyConfig:
    """RISE settings: masks, grid cells per side, keep probability, masked images per model call,
    the value masked pixels take, and the heat map's opacity in the PNG."""

    n_masks: int = 1000
    grid_size: int = 7
    probability: float = 0.5
    batch_size: int = 100
    fill_value: float = 0.0
    alpha: float = 0.5
    seed: int = 0

    def __post_init__(self) -> None:
        require(self.n_masks >= 1, "n_masks", f"must be at least 1, got {self.n_masks}")
        require(self.grid_size >= 1, "grid_size", f"must be at least 1, got {self.grid_size}")
        require(0 < self.probability < 1, "probability", f"must be in (0, 1), got {self.probability}")
        require(self.batch_size >= 1, "batch_size", f"must be at least 1, got {self.batch_size}")
        require(0 <= self.alpha <= 1, "alpha", f"must be in [0, 1], got {self.alpha}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> SaliencyConfig:
        return config_from_dict(cls, data)


@dataclass(frozen=True, eq=False)  # holds arrays: compare fields explicitly
class SaliencyResult:
    """`saliency` is H x W in [0, 1] (1 = most salient); `png` the heat map over the image."""

    saliency: np.ndarray
    png: bytes
    class_index: int | None
    score: float
    model_calls: int
    model_rows: int

    def to_dict(self, include_map: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "classIndex": self.class_index,
            "score": self.score,
            "png": base64.b64encode(self.png).decode("ascii"),
            "modelCalls": self.model_calls,
            "modelRows": self.model_rows,
        }
        if include_map:
            out["saliency"] = np.round(self.saliency.astype(float), 4).tolist()
        return out


def saliency_map(
    image: np.ndarray,
    predict: Predict,
    input_field: str,
    output_field: str,
    class_index: int | None = None,
    config: SaliencyConfig | Mapping[str, Any] | None = None,
) -> SaliencyResult:
    """Which pixels drive the model's score for `class_index` (default: the predicted class).

    `image` is H x W or H x W x C (C in 1, 3, 4), uint8 or float; the model receives batches of
    shape (n, *image.shape) in `input_field`. `output_field` holds class scores (a vector per
    image) or a single score per image.
    """
    config = config if isinstance(config, SaliencyConfig) else SaliencyConfig.from_dict(config)
    image = _check_image(image)
    if not isinstance(input_field, str) or not input_field:
        raise InvalidArgument("input_field", f"must be a non-empty string, got {input_field!r}")
    if class_index is not None and (isinstance(class_index, bool) or not isinstance(class_index, int | np.integer)):
        raise InvalidArgument("class_index", f"must be an integer or omitted, got {class_index!r}")
    model = ModelClient(predict, output_field, config.batch_size + 1)
    raw, reader = _rise(image, model, input_field, class_index, config)
    saliency = _normalise(raw)
    return SaliencyResult(
        saliency=saliency,
        png=heatmap_png(image, saliency, config.alpha),
        class_index=reader.class_index,
        score=reader.original,
        model_calls=model.calls,
        model_rows=model.rows,
    )


def _rise(
    image: np.ndarray, model: ModelClient, input_field: str, class_index: int | None, config: SaliencyConfig
) -> tuple[np.ndarray, _ScoreReader]:
    """The raw saliency map, scoring the masked images batch by batch."""
    rng = np.random.default_rng(config.seed)
    masks = MaskGenerator(image.shape[0], image.shape[1], config.grid_size, config.probability, rng)
    weighted = np.zeros(image.shape[:2], dtype=np.float64)
    kept = np.zeros(image.shape[:2], dtype=np.float64)
    score_sum = 0.0
    reader: _ScoreReader | None = None
    for start in range(0, config.n_masks, config.batch_size):
        batch_masks = masks.draw(min(config.batch_size, config.n_masks - start))
        images = _apply(image, batch_masks, config.fill_value)
        if reader is None:  # the unmasked image rides along with the first batch
            outputs = model({input_field: np.concatenate([image[None], images])})
            reader = _ScoreReader.create(outputs[:1], class_index, model.output_field)
            outputs = outputs[1:]
        else:
            outputs = model({input_field: images})
        scores = reader.scores(outputs)
        weighted += np.tensordot(scores, batch_masks, axes=1)
        kept += batch_masks.sum(axis=0)
        score_sum += float(scores.sum())
    assert reader is not None  # n_masks >= 1, so the loop ran
    mean_score = score_sum / config.n_masks
    # The mean score as a control variate: same expected map up to a constant (which the 0..1
    # normalisation removes) without the noise of how often each pixel happened to be kept.
    return (weighted - mean_score * kept) / (config.n_masks * config.probability) + mean_score, reader


def _check_image(image: Any) -> np.ndarray:
    if not isinstance(image, np.ndarray):
        raise InvalidArgument("image", f"must be a numpy array, got {type(image).__name__}")
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
        raise InvalidArgument("image", f"must have shape H x W or H x W x C with C in 1, 3, 4; got {image.shape}")
    if image.shape[0] < 1 or image.shape[1] < 1:
        raise InvalidArgument("image", f"must not be empty, got shape {image.shape}")
    if image.dtype.kind not in "biuf":
        raise InvalidArgument("image", f"must hold numbers, got dtype {image.dtype}")
    if image.dtype.kind == "f" and not np.all(np.isfinite(image)):
        raise InvalidArgument("image", "must not contain NaN or infinite values")
    return image


def _apply(image: np.ndarray, masks: np.ndarray, fill: float) -> np.ndarray:
    weights = masks if image.ndim == 2 else masks[..., None]
    blended = image.astype(np.float32)[None] * weights + np.float32(fill) * (1 - weights)
    if image.dtype.kind in "biu":
        info = np.iinfo(image.dtype) if image.dtype.kind != "b" else None
        low, high = (0, 1) if info is None else (info.min, info.max)
        return np.clip(np.round(blended), low, high).astype(image.dtype)
    return blended.astype(image.dtype)


def _normalise(values: np.ndarray) -> np.ndarray:
    low, high = float(values.min()), float(values.max())
    if high - low <= 1e-12 * max(abs(high), 1.0):
        return np.zeros(values.shape, dtype=np.float32)
    return ((values - low) / (high - low)).astype(np.float32)


@dataclass(frozen=True)
class _ScoreReader:
    """Turns model outputs into one score per image for the explained class."""

    class_index: int | None
    original: float
    mode: str  # "column", "value" or "label"

    @classmethod
    def create(cls, first: np.ndarray, class_index: int | None, field: str) -> _ScoreReader:
        if first.dtype.kind not in "biuf" or first.ndim > 2:
            raise ModelCallError(
                f"output '{field}' must be numeric scores per image, got {first.dtype} {first.shape[1:]}"
            )
        row = first.reshape(-1)
        if first.ndim == 2 and row.size > 1:
            index = int(np.argmax(row)) if class_index is None else class_index
            if isinstance(index, bool) or not 0 <= index < row.size:
                raise InvalidArgument("class_index", f"must be in 0..{row.size - 1} for output '{field}', got {index}")
            return cls(index, float(row[index]), "column")
        if first.dtype.kind == "f":
            if class_index is not None:
                raise InvalidArgument("class_index", f"output '{field}' is a single score; omit class_index")
            return cls(None, float(row[0]), "value")
        label = int(row[0]) if class_index is None else int(class_index)
        return cls(label, float(int(row[0]) == label), "label")

    def scores(self, outputs: np.ndarray) -> np.ndarray:
        flat = outputs.reshape(outputs.shape[0], -1)
        if self.mode == "column":
            return flat[:, self.class_index].astype(np.float64)
        if self.mode == "value":
            return flat[:, 0].astype(np.float64)
        return (flat[:, 0].astype(np.int64) == self.class_index).astype(np.float64)
