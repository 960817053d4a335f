"""Containers returned by `load_dataset` and the one error type every reader raises.

`Split`, `DatasetInfo` and `Dataset` are the public results; `RawDataset` is the internal
hand-off from a file reader (numpy arrays, no validation hold-out yet) to `splits.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import torch


class DatasetError(ValueError):
    """A dataset file is missing, corrupt or not in the expected format.

    The message names the file (or the places searched), what is wrong and how to fix it.
    """


@dataclass(frozen=True, eq=False)  # eq=False: tensors have no single truth value to compare
class Split:
    """One part of a dataset: `images` uint8 N x C x H x W (contiguous) and `labels` int64 N."""

    images: torch.Tensor
    labels: torch.Tensor

    def __post_init__(self) -> None:
        if not isinstance(self.images, torch.Tensor) or self.images.dtype != torch.uint8:
            raise ValueError(f"Split.images must be a torch.uint8 tensor, got {_describe(self.images)}")
        if self.images.dim() != 4:
            raise ValueError(f"Split.images must be N x C x H x W, got shape {tuple(self.images.shape)}")
        if not self.images.is_contiguous():
            raise ValueError("Split.images must be contiguous; call .contiguous() first")
        if not isinstance(self.labels, torch.Tensor) or self.labels.dtype != torch.int64:
            raise ValueError(f"Split.labels must be a torch.int64 tensor, got {_describe(self.labels)}")
        if self.labels.dim() != 1 or self.labels.shape[0] != self.images.shape[0]:
            raise ValueError(
                f"Split.labels must have shape ({self.images.shape[0]},) to match the images, "
                f"got {tuple(self.labels.shape)}"
            )

    def __len__(self) -> int:
        return int(self.labels.shape[0])


@dataclass(frozen=True)
class DatasetInfo:
    """What a model and the training loop need to know about a dataset.

    `mean` and `std` are per channel on the pixel/255 scale, measured on the training split
    after the validation hold-out. `pad` is the zero padding for random-crop augmentation
    (0 = no crop) and `flip` whether random horizontal flips are allowed.
    """

    name: str
    input_shape: tuple[int, int, int]
    num_classes: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    pad: int
    flip: bool
    class_names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if len(self.input_shape) != 3 or any(int(size) < 1 for size in self.input_shape):
            raise ValueError(f"DatasetInfo.input_shape must be (C, H, W) of positive ints, got {self.input_shape}")
        channels = self.input_shape[0]
        if self.num_classes < 1:
            raise ValueError(f"DatasetInfo.num_classes must be >= 1, got {self.num_classes}")
        if len(self.mean) != channels or len(self.std) != channels:
            raise ValueError(
                f"DatasetInfo.mean and .std need one value per channel ({channels}), "
                f"got {len(self.mean)} and {len(self.std)}"
            )
        if any(not value > 0 for value in self.std):
            raise ValueError(f"DatasetInfo.std must be positive, got {self.std}")
        if self.pad < 0:
            raise ValueError(f"DatasetInfo.pad must be >= 0, got {self.pad}")
        if self.class_names is not None and len(self.class_names) != self.num_classes:
            raise ValueError(
                f"DatasetInfo.class_names has {len(self.class_names)} names for {self.num_classes} classes"
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields, as checkpoints store them so a network can be fed without its dataset."""
        record = {field.name: getattr(self, field.name) for field in fields(self)}
        return {key: list(value) if isinstance(value, tuple) else value for key, value in record.items()}

    @classmethod
    def from_dict(cls, record: Any) -> DatasetInfo:
        """The inverse of `to_dict`; a `ValueError` names what is missing or malformed."""
        if not isinstance(record, dict):
            raise ValueError(f"dataset_info must be a JSON object, got {type(record).__name__}")
        missing = [field.name for field in fields(cls) if field.name != "class_names" and field.name not in record]
        if missing:
            raise ValueError(f"dataset_info lacks {', '.join(missing)}")
        try:
            names = record.get("class_names")
            return cls(
                name=str(record["name"]),
                input_shape=tuple(int(size) for size in record["input_shape"]),  # type: ignore[arg-type]
                num_classes=int(record["num_classes"]),
                mean=tuple(float(value) for value in record["mean"]),
                std=tuple(float(value) for value in record["std"]),
                pad=int(record["pad"]),
                flip=bool(record["flip"]),
                class_names=None if names is None else tuple(str(name) for name in names),
            )
        except (TypeError, ValueError) as error:
            raise ValueError(f"dataset_info is malformed: {error}") from error


@dataclass(frozen=True, eq=False)
class Dataset:
    """A loaded dataset: its `info` and the `train`, `validation` and `test` splits."""

    info: DatasetInfo
    train: Split
    validation: Split
    test: Split


@dataclass(frozen=True, eq=False)
class RawDataset:
    """What a reader returns: uint8 N x C x H x W images and int64 labels, before the hold-out.

    `source` says where the data came from (for log messages).
    """

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    num_classes: int
    class_names: tuple[str, ...] | None
    source: str

    def __post_init__(self) -> None:
        # Readers check their files with DatasetError; this only guards the hand-off contract.
        for images, labels, part in (
            (self.train_images, self.train_labels, "train"),
            (self.test_images, self.test_labels, "test"),
        ):
            if images.dtype != np.uint8 or images.ndim != 4:
                raise ValueError(f"{part} images must be uint8 N x C x H x W, got {images.dtype} {images.shape}")
            if labels.dtype != np.int64 or labels.shape != (images.shape[0],):
                raise ValueError(f"{part} labels must be int64 of shape ({images.shape[0]},), got {labels.shape}")
        if self.train_images.shape[1:] != self.test_images.shape[1:]:
            raise ValueError(
                f"train and test images differ in shape: {self.train_images.shape[1:]} vs {self.test_images.shape[1:]}"
            )


def _describe(value: object) -> str:
    if isinstance(value, torch.Tensor):
        return f"tensor of dtype {value.dtype}"
    return type(value).__name__
