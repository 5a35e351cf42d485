"""A saliency map as a PNG: a blue-to-red colour ramp blended over the input image."""

from __future__ import annotations

import io

import numpy as np

# (position, red, green, blue): dark blue -> blue -> cyan -> yellow -> red -> dark red.
_RAMP = np.array(
    [
        [0.0, 0.0, 0.0, 0.5],
        [0.125, 0.0, 0.0, 1.0],
        [0.375, 0.0, 1.0, 1.0],
        [0.625, 1.0, 1.0, 0.0],
        [0.875, 1.0, 0.0, 0.0],
        [1.0, 0.5, 0.0, 0.0],
    ]
)


def colorize(saliency: np.ndarray) -> np.ndarray:
    """H x W values in [0, 1] -> H x W x 3 uint8 colours."""
    values = np.clip(saliency, 0.0, 1.0)
    channels = [np.interp(values, _RAMP[:, 0], _RAMP[:, c]) for c in (1, 2, 3)]
    return np.round(np.stack(channels, axis=-1) * 255).astype(np.uint8)


def as_rgb(image: np.ndarray) -> np.ndarray:
    """The input image as H x W x 3 uint8 for display (floats in [0, 1] scaled, others stretched)."""
    pixels = image.astype(np.float64)
    if pixels.ndim == 3:
        pixels = pixels[..., :3] if pixels.shape[2] >= 3 else np.repeat(pixels[..., :1], 3, axis=2)
    else:
        pixels = np.repeat(pixels[..., None], 3, axis=2)
    if image.dtype == np.uint8:
        return pixels.astype(np.uint8)
    low, high = float(pixels.min()), float(pixels.max())
    if low >= 0 and high <= 1:
        return np.round(pixels * 255).astype(np.uint8)
    span = high - low
    scaled = (pixels - low) / span if span > 0 else np.zeros_like(pixels)
    return np.round(scaled * 255).astype(np.uint8)


def heatmap_png(image: np.ndarray, saliency: np.ndarray, alpha: float) -> bytes:
    """PNG bytes of the colour-mapped saliency blended over the image with weight `alpha`."""
    blended = (1 - alpha) * as_rgb(image).astype(np.float64) + alpha * colorize(saliency).astype(np.float64)
    buffer = io.BytesIO()
    from PIL import Image  # at the first saliency map, not when the explainer starts

    Image.fromarray(np.round(blended).astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()
