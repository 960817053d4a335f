"""Tests for the containers in eas.data.types: validation on construction, with messages that name
the bad field, and the `RawDataset` hand-off contract between readers and `splits.py`."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from eas.data import Dataset, DatasetError, DatasetInfo, Split
from eas.data.types import RawDataset


def make_info(**changes: object) -> DatasetInfo:
    fields: dict[str, object] = dict(
        name="x", input_shape=(3, 8, 8), num_classes=2, mean=(0.5,) * 3, std=(0.25,) * 3, pad=0, flip=False
    )
    fields.update(changes)
    return DatasetInfo(**fields)  # type: ignore[arg-type]


def make_raw(**changes: object) -> RawDataset:
    rng = np.random.default_rng(0)
    fields: dict[str, object] = dict(
        train_images=rng.integers(0, 256, size=(6, 1, 4, 4), dtype=np.uint8),
        train_labels=np.arange(6, dtype=np.int64) % 2,
        test_images=rng.integers(0, 256, size=(3, 1, 4, 4), dtype=np.uint8),
        test_labels=np.arange(3, dtype=np.int64) % 2,
        num_classes=2,
        class_names=None,
        source="synthetic",
    )
    fields.update(changes)
    return RawDataset(**fields)  # type: ignore[arg-type]


# ----- Split --------------------------------------------------------------------------------------
def test_split_holds_tensors_and_has_a_length() -> None:
    images, labels = torch.zeros(5, 1, 4, 4, dtype=torch.uint8), torch.arange(5)
    split = Split(images, labels)
    assert len(split) == 5 and split.images is images and split.labels is labels
    assert len(Split(torch.zeros(0, 1, 4, 4, dtype=torch.uint8), torch.zeros(0, dtype=torch.int64))) == 0


@pytest.mark.parametrize(
    ("images", "labels", "message"),
    [
        (
            torch.zeros(2, 1, 4, 4),
            torch.arange(2),
            r"Split\.images must be a torch\.uint8 tensor, got tensor of dtype ",
        ),
        (
            np.zeros((2, 1, 4, 4), np.uint8),
            torch.arange(2),
            r"Split\.images must be a torch\.uint8 tensor, got ndarray",
        ),
        (torch.zeros(2, 4, 4, dtype=torch.uint8), torch.arange(2), r"N x C x H x W, got shape \(2, 4, 4\)"),
        (
            torch.zeros(2, 1, 4, 4, dtype=torch.uint8),
            torch.arange(2, dtype=torch.int32),
            r"Split\.labels must be a torch\.int64 tensor, got tensor of dtype torch\.int32",
        ),
        (torch.zeros(2, 1, 4, 4, dtype=torch.uint8), [0, 1], r"Split\.labels must be a torch\.int64 tensor, got list"),
        (torch.zeros(2, 1, 4, 4, dtype=torch.uint8), torch.arange(3), r"shape \(2,\) to match the images, got \(3,\)"),
        (
            torch.zeros(2, 1, 4, 4, dtype=torch.uint8),
            torch.zeros(2, 1, dtype=torch.int64),
            r"shape \(2,\) to match the images, got \(2, 1\)",
        ),
        (torch.zeros(2, 4, 4, 3, dtype=torch.uint8).permute(0, 3, 1, 2), torch.arange(2), "must be contiguous"),
    ],
)
def test_split_rejects_bad_tensors(images: torch.Tensor, labels: torch.Tensor, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Split(images, labels)


def test_split_compares_by_identity() -> None:
    # eq=False: comparing tensors field by field would raise instead of giving a bool.
    first = Split(torch.zeros(2, 1, 4, 4, dtype=torch.uint8), torch.arange(2))
    second = Split(first.images.clone(), first.labels.clone())
    assert first == first and first != second


# ----- DatasetInfo --------------------------------------------------------------------------------
def test_dataset_info_is_frozen_and_compares_by_value() -> None:
    info = make_info()
    with pytest.raises(AttributeError):
        info.pad = 3  # type: ignore[misc]
    assert info == make_info() and info != make_info(pad=4)
    assert make_info(class_names=("cat", "dog")).class_names == ("cat", "dog")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"input_shape": (8, 8)}, r"input_shape must be \(C, H, W\) of positive ints, got \(8, 8\)"),
        ({"input_shape": (3, 0, 8)}, r"input_shape must be \(C, H, W\) of positive ints, got \(3, 0, 8\)"),
        ({"num_classes": 0}, "num_classes must be >= 1, got 0"),
        ({"mean": (0.5,)}, r"mean and \.std need one value per channel \(3\), got 1 and 3"),
        ({"std": (0.25,) * 4}, r"mean and \.std need one value per channel \(3\), got 3 and 4"),
        ({"std": (0.0, 1.0, 1.0)}, r"std must be positive, got \(0\.0, 1\.0, 1\.0\)"),
        ({"std": (float("nan"), 1.0, 1.0)}, "std must be positive"),
        ({"pad": -1}, "pad must be >= 0, got -1"),
        ({"class_names": ("a",)}, "class_names has 1 names for 2 classes"),
    ],
)
def test_dataset_info_rejects_bad_fields(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=rf"DatasetInfo\.{message}"):
        make_info(**changes)


def test_info_round_trips_through_json() -> None:
    import json

    for info in (make_info(), make_info(class_names=("cat", "dog"), pad=4, flip=True)):
        record = json.loads(json.dumps(info.to_dict()))
        assert DatasetInfo.from_dict(record) == info


@pytest.mark.parametrize(
    ("record", "message"),
    [
        ([1, 2], "must be a JSON object"),
        ({"name": "x"}, "lacks input_shape, num_classes, mean, std, pad, flip"),
        ({**make_info().to_dict(), "std": [0.5, 0.0, 0.5]}, "malformed: DatasetInfo.std must be positive"),
        ({**make_info().to_dict(), "input_shape": 3}, "malformed"),
    ],
)
def test_info_from_a_bad_record_says_what_is_wrong(record: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DatasetInfo.from_dict(record)


# ----- Dataset and DatasetError -------------------------------------------------------------------
def test_dataset_error_is_a_value_error() -> None:
    assert issubclass(DatasetError, ValueError)
    split = Split(torch.zeros(1, 3, 8, 8, dtype=torch.uint8), torch.zeros(1, dtype=torch.int64))
    dataset = Dataset(make_info(), split, split, split)
    assert dataset.train is split and dataset.validation is split and dataset.test is split


# ----- RawDataset ---------------------------------------------------------------------------------
def test_raw_dataset_keeps_the_reader_arrays() -> None:
    raw = make_raw(class_names=("even", "odd"))
    assert raw.train_images.shape == (6, 1, 4, 4) and raw.test_labels.tolist() == [0, 1, 0]
    assert raw.class_names == ("even", "odd") and raw.source == "synthetic"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"train_images": np.zeros((6, 1, 4, 4), np.float32)},
            r"train images must be uint8 N x C x H x W, got float32",
        ),
        (
            {"test_images": np.zeros((3, 4, 4), np.uint8)},
            r"test images must be uint8 N x C x H x W, got uint8 \(3, 4, 4\)",
        ),
        ({"train_labels": np.arange(6, dtype=np.int32)}, r"train labels must be int64 of shape \(6,\), got \(6,\)"),
        ({"test_labels": np.arange(4, dtype=np.int64)}, r"test labels must be int64 of shape \(3,\), got \(4,\)"),
        (
            {"test_images": np.zeros((3, 1, 4, 5), np.uint8)},
            r"train and test images differ in shape: \(1, 4, 4\) vs \(1, 4, 5\)",
        ),
    ],
)
def test_raw_dataset_guards_the_hand_off(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_raw(**changes)
