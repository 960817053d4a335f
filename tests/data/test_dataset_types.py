"""Tests for the containers in eas.data.types: validation on construction."""

from __future__ import annotations

import pytest
import torch

from eas.data import Dataset, DatasetError, DatasetInfo, Split


def make_info(**changes: object) -> DatasetInfo:
    fields: dict[str, object] = dict(
        name="x", input_shape=(3, 8, 8), num_classes=2, mean=(0.5,) * 3, std=(0.25,) * 3, pad=0, flip=False
    )
    fields.update(changes)
    return DatasetInfo(**fields)


def test_split_holds_tensors_and_has_a_length() -> None:
    split = Split(torch.zeros(5, 1, 4, 4, dtype=torch.uint8), torch.arange(5))
    assert len(split) == 5


@pytest.mark.parametrize(
    ("images", "labels", "message"),
    [
        (torch.zeros(2, 1, 4, 4), torch.arange(2), "uint8"),
        (torch.zeros(2, 4, 4, dtype=torch.uint8), torch.arange(2), "N x C x H x W"),
        (torch.zeros(2, 1, 4, 4, dtype=torch.uint8), torch.arange(2, dtype=torch.int32), "int64"),
        (torch.zeros(2, 1, 4, 4, dtype=torch.uint8), torch.arange(3), "shape"),
        (torch.zeros(2, 4, 4, 3, dtype=torch.uint8).permute(0, 3, 1, 2), torch.arange(2), "contiguous"),
    ],
)
def test_split_rejects_bad_tensors(images: torch.Tensor, labels: torch.Tensor, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Split(images, labels)


def test_dataset_info_is_frozen_and_validated() -> None:
    info = make_info()
    with pytest.raises(AttributeError):
        info.pad = 3
    with pytest.raises(ValueError, match="one value per channel"):
        make_info(mean=(0.5,))
    with pytest.raises(ValueError, match="positive"):
        make_info(std=(0.0, 1.0, 1.0))
    with pytest.raises(ValueError, match="class_names"):
        make_info(class_names=("a",))
    with pytest.raises(ValueError, match="pad"):
        make_info(pad=-1)


def test_dataset_error_is_a_value_error() -> None:
    assert issubclass(DatasetError, ValueError)
    split = Split(torch.zeros(1, 3, 8, 8, dtype=torch.uint8), torch.zeros(1, dtype=torch.int64))
    dataset = Dataset(make_info(), split, split, split)
    assert dataset.train is split
