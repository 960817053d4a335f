"""A small learnable image dataset written as `.npz`, shared by the search and CLI tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_toy_npz(path: Path, train: int = 600, test: int = 200, size: int = 12, seed: int = 0) -> Path:
    """Four classes of 1 x size x size uint8 images: a bright quadrant (the label) on dark noise."""
    x_train, y_train, x_test, y_test = toy_arrays(train, test, size, seed)
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


def toy_arrays(
    train: int = 600, test: int = 200, size: int = 12, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test) of `write_toy_npz`: N x size x size uint8 images, int64 labels 0..3."""
    rng = np.random.default_rng(seed)
    half = size // 2

    def images(count: int) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.integers(0, 4, size=count)
        pixels = rng.integers(0, 90, size=(count, size, size))
        for index, label in enumerate(labels):
            row, column = divmod(int(label), 2)
            pixels[index, row * half : row * half + half, column * half : column * half + half] += 150
        return pixels.clip(0, 255).astype(np.uint8), labels.astype(np.int64)

    x_train, y_train = images(train)
    x_test, y_test = images(test)
    return x_train, y_train, x_test, y_test
