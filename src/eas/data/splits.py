"""Validation hold-out and per-channel statistics: turns a reader's `RawDataset` into a `Dataset`.

The hold-out is a seeded random subset of the official training set; mean/std are measured on
what remains for training, so validation and test data never leak into normalisation.
"""

from __future__ import annotations

import logging
from typing import Final

import numpy as np
import torch

from eas.data.types import Dataset, DatasetInfo, RawDataset, Split

logger = logging.getLogger(__name__)


class _DefaultValidationSize(int):
    """An int that remembers it is the default, so that only the default gets capped."""

    def __repr__(self) -> str:
        return f"{int(self)}"


DEFAULT_VALIDATION_SIZE: Final[int] = _DefaultValidationSize(5000)
# Below this many training images the default hold-out is capped to a tenth of the training set.
_FULL_SIZE_TRAINING_SET: Final = 50_000
# Images per chunk when counting pixel values: bounds the temporary int64 copy np.bincount makes.
_STATISTICS_CHUNK: Final = 4096


def resolve_validation_size(validation_size: int | float | None, train_count: int) -> int:
    """Return how many of `train_count` training images to hold out for validation.

    An int is an exact count; a float in (0, 1) a fraction (rounded, at least 1). The default
    (`DEFAULT_VALIDATION_SIZE`, or None) is 5000, capped to a tenth of the training set (at least
    1) when that set has fewer than 50,000 images. The result is always >= 1 and leaves >= 1
    training image; anything else raises ValueError naming the sizes.
    """
    if validation_size is None or validation_size is DEFAULT_VALIDATION_SIZE:
        count = int(DEFAULT_VALIDATION_SIZE)
        if train_count < _FULL_SIZE_TRAINING_SET:
            count = min(count, max(1, train_count // 10))
            logger.info(
                "training set has %d images (< %d): default validation hold-out capped to %d",
                train_count,
                _FULL_SIZE_TRAINING_SET,
                count,
            )
    elif isinstance(validation_size, bool):
        raise ValueError(f"validation_size must be an int or a float in (0, 1), got {validation_size!r}")
    elif isinstance(validation_size, int | np.integer):
        count = int(validation_size)
    elif isinstance(validation_size, float | np.floating):
        if not 0.0 < validation_size < 1.0:
            raise ValueError(f"validation_size as a fraction must lie in (0, 1), got {validation_size}")
        count = max(1, round(float(validation_size) * train_count))
    else:
        raise ValueError(f"validation_size must be an int or a float in (0, 1), got {type(validation_size).__name__}")
    if count < 1:
        raise ValueError(f"validation_size must be >= 1, got {count}")
    if count > train_count - 1:
        raise ValueError(
            f"validation_size {count} is too large: the training set has {train_count} images and at least "
            f"1 must stay for training; use at most {train_count - 1}"
        )
    return count


def split_indices(train_count: int, validation_count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (train indices, validation indices), each sorted, chosen by a permutation seeded with `seed`."""
    permutation = np.random.default_rng(seed).permutation(train_count)
    # Sorted so that both parts keep the file order: the same seed always gives identical tensors.
    validation = np.sort(permutation[:validation_count])
    train = np.sort(permutation[validation_count:])
    return train, validation


def channel_statistics(images: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Per-channel mean and (population) std of uint8 N x C x H x W images on the pixel/255 scale.

    Counting the 256 pixel values per channel makes the result exact and needs no float copy
    of the whole array. A constant channel gets std 1.0 so that normalising never divides by 0.
    """
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[0] == 0:
        raise ValueError(f"expected non-empty uint8 N x C x H x W images, got {images.dtype} {images.shape}")
    channels = images.shape[1]
    counts = np.zeros((channels, 256), dtype=np.int64)
    for start in range(0, images.shape[0], _STATISTICS_CHUNK):
        chunk = images[start : start + _STATISTICS_CHUNK]
        for channel in range(channels):
            counts[channel] += np.bincount(chunk[:, channel].ravel(), minlength=256)
    values = np.arange(256, dtype=np.float64) / 255.0
    totals = counts.sum(axis=1)
    means = (counts * values).sum(axis=1) / totals
    variances = (counts * (values[None, :] - means[:, None]) ** 2).sum(axis=1) / totals
    stds = np.sqrt(variances)
    stds = np.where(stds > 1e-12, stds, 1.0)
    return tuple(float(m) for m in means), tuple(float(s) for s in stds)


def make_dataset(
    raw: RawDataset,
    name: str,
    pad: int,
    flip: bool,
    validation_size: int | float | None = DEFAULT_VALIDATION_SIZE,
    seed: int = 0,
) -> Dataset:
    """Hold out the validation split, measure mean/std on the rest and wrap everything in tensors."""
    train_count = raw.train_images.shape[0]
    validation_count = resolve_validation_size(validation_size, train_count)
    train_index, validation_index = split_indices(train_count, validation_count, seed)
    train_images = raw.train_images[train_index]
    mean, std = channel_statistics(train_images)
    channels, height, width = raw.train_images.shape[1:]
    info = DatasetInfo(
        name=name,
        input_shape=(int(channels), int(height), int(width)),
        num_classes=raw.num_classes,
        mean=mean,
        std=std,
        pad=pad,
        flip=flip,
        class_names=raw.class_names,
    )
    logger.info(
        "%s from %s: %d train, %d validation, %d test images",
        name,
        raw.source,
        len(train_index),
        len(validation_index),
        raw.test_images.shape[0],
    )
    return Dataset(
        info=info,
        train=_to_split(train_images, raw.train_labels[train_index]),
        validation=_to_split(raw.train_images[validation_index], raw.train_labels[validation_index]),
        test=_to_split(raw.test_images, raw.test_labels),
    )


def _to_split(images: np.ndarray, labels: np.ndarray) -> Split:
    # torch.from_numpy shares memory; a read-only or strided array (np.frombuffer, a transpose)
    # is copied first so the tensors are writable and contiguous.
    if not images.flags.c_contiguous or not images.flags.writeable:
        images = np.array(images, order="C", copy=True)
    if not labels.flags.c_contiguous or not labels.flags.writeable:
        labels = np.array(labels, order="C", copy=True)
    return Split(images=torch.from_numpy(images), labels=torch.from_numpy(labels))
