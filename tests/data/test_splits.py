"""Tests for eas.data.splits: validation sizes, seeded hold-out and training-split statistics."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import torch

from eas.data.splits import (
    DEFAULT_VALIDATION_SIZE,
    channel_statistics,
    make_dataset,
    resolve_validation_size,
    split_indices,
)
from eas.data.types import RawDataset


def make_raw(train: int = 300, test: int = 20, channels: int = 3, seed: int = 0) -> RawDataset:
    rng = np.random.default_rng(seed)
    return RawDataset(
        train_images=rng.integers(0, 256, size=(train, channels, 6, 5), dtype=np.uint8),
        train_labels=rng.integers(0, 4, size=train).astype(np.int64),
        test_images=rng.integers(0, 256, size=(test, channels, 6, 5), dtype=np.uint8),
        test_labels=rng.integers(0, 4, size=test).astype(np.int64),
        num_classes=4,
        class_names=None,
        source="memory",
    )


@pytest.mark.parametrize(
    ("train_count", "expected"),
    [(60_000, 5000), (50_000, 5000), (49_999, 4999), (300, 30), (15, 1), (2, 1)],
)
def test_default_is_capped_on_small_training_sets(train_count: int, expected: int) -> None:
    assert resolve_validation_size(DEFAULT_VALIDATION_SIZE, train_count) == expected
    assert resolve_validation_size(None, train_count) == expected


def test_cap_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="eas.data.splits"):
        resolve_validation_size(DEFAULT_VALIDATION_SIZE, 300)
    assert "capped to 30" in caplog.text


def test_explicit_sizes() -> None:
    assert resolve_validation_size(5000, 60_000) == 5000
    assert resolve_validation_size(7, 300) == 7
    assert resolve_validation_size(299, 300) == 299
    assert resolve_validation_size(0.1, 300) == 30
    assert resolve_validation_size(0.001, 300) == 1  # a fraction never rounds to an empty split


@pytest.mark.parametrize("size", [5000, 300, 0, -1, 1.0, 0.0, 1.5, True])
def test_sizes_that_do_not_fit_raise(size: int | float) -> None:
    with pytest.raises(ValueError, match="validation_size"):
        resolve_validation_size(size, 300)


def test_too_large_names_the_sizes() -> None:
    with pytest.raises(ValueError, match=r"5000 is too large.*300 images.*at most 299"):
        resolve_validation_size(5000, 300)


def test_split_indices_are_seeded_disjoint_and_complete() -> None:
    train, validation = split_indices(100, 10, seed=3)
    again_train, again_validation = split_indices(100, 10, seed=3)
    np.testing.assert_array_equal(train, again_train)
    np.testing.assert_array_equal(validation, again_validation)
    assert len(validation) == 10 and len(train) == 90
    assert sorted(np.concatenate([train, validation]).tolist()) == list(range(100))
    _, other_validation = split_indices(100, 10, seed=4)
    assert not np.array_equal(validation, other_validation)


def test_channel_statistics_match_a_direct_computation() -> None:
    images = np.random.default_rng(1).integers(0, 256, size=(9000, 2, 3, 3), dtype=np.uint8)
    mean, std = channel_statistics(images)
    scaled = images.astype(np.float64) / 255.0
    np.testing.assert_allclose(mean, scaled.mean(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(std, scaled.std(axis=(0, 2, 3)), rtol=1e-12)


def test_constant_channel_gets_unit_std() -> None:
    images = np.full((4, 1, 2, 2), 7, dtype=np.uint8)
    mean, std = channel_statistics(images)
    assert mean == pytest.approx((7 / 255,)) and std == (1.0,)


def test_make_dataset_splits_and_measures_the_training_part_only() -> None:
    raw = make_raw()
    dataset = make_dataset(raw, "tiny", pad=1, flip=True, seed=0)
    assert (len(dataset.train), len(dataset.validation), len(dataset.test)) == (270, 30, 20)
    assert dataset.info.input_shape == (3, 6, 5) and dataset.info.num_classes == 4
    assert (dataset.info.pad, dataset.info.flip) == (1, True)
    train = dataset.train.images.numpy()
    assert dataset.info.mean == channel_statistics(train)[0]
    assert dataset.info.std == channel_statistics(train)[1]
    assert dataset.info.mean != channel_statistics(raw.train_images)[0]
    # Every training image lands in exactly one of the two parts, with its own label.
    together = torch.cat([dataset.train.images, dataset.validation.images])
    labels = torch.cat([dataset.train.labels, dataset.validation.labels])
    order = np.lexsort(together.reshape(300, -1).numpy().T[::-1])
    raw_order = np.lexsort(raw.train_images.reshape(300, -1).T[::-1])
    np.testing.assert_array_equal(together.numpy()[order], raw.train_images[raw_order])
    np.testing.assert_array_equal(labels.numpy()[order], raw.train_labels[raw_order])
    for split in (dataset.train, dataset.validation, dataset.test):
        assert split.images.dtype == torch.uint8 and split.images.is_contiguous()
        assert split.labels.dtype == torch.int64


def test_make_dataset_is_deterministic_per_seed() -> None:
    raw = make_raw()
    first = make_dataset(raw, "tiny", 0, False, validation_size=25, seed=7)
    second = make_dataset(raw, "tiny", 0, False, validation_size=25, seed=7)
    other = make_dataset(raw, "tiny", 0, False, validation_size=25, seed=8)
    assert torch.equal(first.validation.images, second.validation.images)
    assert torch.equal(first.train.labels, second.train.labels)
    assert not torch.equal(first.validation.images, other.validation.images)
    assert len(first.validation) == 25
