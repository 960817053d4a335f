"""bench/synthetic_cifar10.py writes batches the CIFAR-10 reader accepts as the official python format."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from eas.data.cifar10 import load_cifar10

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "synthetic_cifar10.py"


def load_script():
    specification = importlib.util.spec_from_file_location("synthetic_cifar10", SCRIPT)
    assert specification is not None and specification.loader is not None
    module = importlib.util.module_from_spec(specification)
    specification.loader.exec_module(module)
    return module


def test_the_written_batches_read_as_cifar10(tmp_path: Path) -> None:
    folder = load_script().write(tmp_path, seed=3, images_per_batch=7)
    assert folder == tmp_path / "cifar-10-batches-py"
    raw = load_cifar10(tmp_path)
    assert raw.train_images.shape == (35, 3, 32, 32) and raw.test_images.shape == (7, 3, 32, 32)
    assert raw.train_images.dtype == np.uint8
    labels = np.concatenate([raw.train_labels, raw.test_labels])
    assert labels.min() >= 0 and labels.max() <= 9


def test_the_same_seed_writes_the_same_images(tmp_path: Path) -> None:
    script = load_script()
    script.write(tmp_path / "one", seed=5, images_per_batch=4)
    script.write(tmp_path / "two", seed=5, images_per_batch=4)
    script.write(tmp_path / "three", seed=6, images_per_batch=4)
    one, two, three = (load_cifar10(tmp_path / name) for name in ("one", "two", "three"))
    assert np.array_equal(one.train_images, two.train_images) and np.array_equal(one.test_labels, two.test_labels)
    assert not np.array_equal(one.train_images, three.train_images)
