"""A small learnable image dataset (written as `.npz`) and a seconds-long search config for the search tests."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from eas.search import SearchConfig
from eas.spec import ActionSpace
from eas.train import TrainConfig


def write_toy_npz(path: Path, train: int = 600, test: int = 200, seed: int = 0) -> Path:
    """Four classes: a bright quadrant on noise, 1 x 12 x 12 uint8 images."""
    rng = np.random.default_rng(seed)

    def images(count: int) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.integers(0, 4, size=count)
        pixels = rng.integers(0, 90, size=(count, 12, 12))
        for index, label in enumerate(labels):
            row, column = divmod(int(label), 2)
            pixels[index, row * 6 : row * 6 + 6, column * 6 : column * 6 + 6] += 150
        return pixels.clip(0, 255).astype(np.uint8), labels.astype(np.int64)

    x_train, y_train = images(train)
    x_test, y_test = images(test)
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


@pytest.fixture
def toy_dataset_name(tmp_path: Path) -> str:
    """`npz:PATH` of a freshly written toy dataset."""
    return f"npz:{write_toy_npz(tmp_path / 'toy.npz')}"


def toy_config(dataset: str, **overrides: object) -> SearchConfig:
    """A search that trains tiny networks on the toy dataset in well under a second each."""
    config = SearchConfig(
        dataset=dataset,
        validation_size=100,
        start="conv-4-3 pool conv-8-3 gap",
        start_training=TrainConfig(epochs=2, learning_rate=0.05, batch_size=32, augment=False),
        child_training=TrainConfig(epochs=1, learning_rate=0.02, batch_size=32, augment=False, schedule="step"),
        networks_per_episode=3,
        wider_actions=1,
        deeper_actions=1,
        episodes=2,
        action_space=ActionSpace(filter_widths=(4, 8, 12, 16), unit_widths=(8, 16), max_layers_per_block=3),
        calibration_size=32,
    )
    return replace(config, **overrides)  # type: ignore[arg-type]
