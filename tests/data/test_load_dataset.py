"""Tests for eas.data.registry.load_dataset: names, validation sizes, seeds and statistics."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import eas.data
from eas.data import DATASET_NAMES, DatasetError, load_dataset
from eas.data.splits import channel_statistics


@pytest.fixture
def npz_name(tmp_path: Path) -> str:
    rng = np.random.default_rng(0)
    path = tmp_path / "data.npz"
    np.savez(
        path,
        x_train=rng.integers(0, 256, size=(200, 1, 4, 4), dtype=np.uint8),
        y_train=rng.integers(0, 5, size=200),
        x_test=rng.integers(0, 256, size=(10, 1, 4, 4), dtype=np.uint8),
        y_test=rng.integers(0, 5, size=10),
    )
    return f"npz:{path}"


def test_public_api() -> None:
    for name in ("load_dataset", "Dataset", "DatasetInfo", "Split", "DatasetError", "normalize", "augment_batch"):
        assert name in eas.data.__all__ and hasattr(eas.data, name)


def test_unknown_name_lists_the_valid_ones() -> None:
    valid = r"valid names: fashion-mnist, cifar10, svhn, svhn\+extra, npz:PATH"
    with pytest.raises(DatasetError, match=rf"unknown dataset 'mnist'; {valid}"):
        load_dataset("mnist")
    with pytest.raises(DatasetError, match="lacks the file"):
        load_dataset("npz:")
    assert DATASET_NAMES == ("fashion-mnist", "cifar10", "svhn", "svhn+extra", "npz:PATH")


def test_validation_sizes(npz_name: str) -> None:
    assert len(load_dataset(npz_name).validation) == 20  # default capped to a tenth
    assert len(load_dataset(npz_name, validation_size=None).validation) == 20
    assert len(load_dataset(npz_name, validation_size=50).validation) == 50
    assert len(load_dataset(npz_name, validation_size=0.25).validation) == 50
    with pytest.raises(ValueError, match=r"validation_size 5000 is too large: the training set has 200 images"):
        load_dataset(npz_name, validation_size=5000)
    with pytest.raises(ValueError, match="validation_size must be >= 1"):
        load_dataset(npz_name, validation_size=0)


def test_same_seed_same_split(npz_name: str) -> None:
    first, second = load_dataset(npz_name, seed=3), load_dataset(npz_name, seed=3)
    other = load_dataset(npz_name, seed=4)
    assert torch.equal(first.validation.images, second.validation.images)
    assert torch.equal(first.train.labels, second.train.labels)
    assert not torch.equal(first.validation.images, other.validation.images)
    assert first.info == second.info and first.info.mean != other.info.mean


def test_statistics_come_from_the_training_split(npz_name: str) -> None:
    dataset = load_dataset(npz_name, validation_size=100)
    mean, std = channel_statistics(dataset.train.images.numpy())
    assert dataset.info.mean == mean and dataset.info.std == std
    normalized = eas.data.normalize(dataset.train.images, dataset.info.mean, dataset.info.std)
    assert abs(float(normalized.mean())) < 1e-5 and abs(float(normalized.std(unbiased=False)) - 1) < 1e-5
