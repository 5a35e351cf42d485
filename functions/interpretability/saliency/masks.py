"""RISE masks (Petsiuk, Das & Saenko, BMVC 2018): random coarse binary grids, smoothly upsampled and shifted.

A grid of `s x s` cells is kept with probability p, bilinearly upsampled to (s + 1) cells' worth
of pixels and cropped to the image at a random offset within one cell, so the mask edges fall
anywhere instead of on a fixed lattice.
"""

from __future__ import annotations

import math

import numpy as np


class MaskGenerator:
    """Draws batches of H x W float masks in [0, 1] from one seeded generator."""

    def __init__(self, height: int, width: int, grid_size: int, probability: float, rng: np.random.Generator) -> None:
        self.height, self.width = height, width
        self.grid_size = grid_size
        self.probability = probability
        self.rng = rng
        self.cell = (math.ceil(height / grid_size), math.ceil(width / grid_size))
        self._rows = _interpolation((grid_size + 1) * self.cell[0], grid_size)
        self._cols = _interpolation((grid_size + 1) * self.cell[1], grid_size)

    def draw(self, count: int) -> np.ndarray:
        """`count` masks, shape (count, H, W), float32."""
        s = self.grid_size
        grids = (self.rng.random((count, s, s)) < self.probability).astype(np.float32)
        upsampled = np.einsum("ya,nab,xb->nyx", self._rows, grids, self._cols, optimize=True)
        shifts_y = self.rng.integers(0, self.cell[0], size=count)
        shifts_x = self.rng.integers(0, self.cell[1], size=count)
        masks = np.empty((count, self.height, self.width), dtype=np.float32)
        for index in range(count):
            y, x = shifts_y[index], shifts_x[index]
            masks[index] = upsampled[index, y : y + self.height, x : x + self.width]
        return masks


def _interpolation(length: int, cells: int) -> np.ndarray:
    """A (length x cells) matrix doing 1-D linear interpolation with pixel centres aligned."""
    position = np.clip((np.arange(length) + 0.5) * cells / length - 0.5, 0, cells - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, cells - 1)
    weight = (position - low).astype(np.float32)
    matrix = np.zeros((length, cells), dtype=np.float32)
    matrix[np.arange(length), low] += 1 - weight
    matrix[np.arange(length), high] += weight
    return matrix
