"""Tests for eas.data.idx: the IDX reader and its checks of header, size and labels."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from eas.data import DatasetError
from eas.data.idx import read_idx_images, read_idx_labels

from .formats import idx_bytes, write_bytes


@pytest.mark.parametrize("compress", [True, False])
def test_round_trip(tmp_path: Path, compress: bool) -> None:
    images = np.random.default_rng(0).integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    labels = np.array([0, 9, 3, 3, 1, 2, 8], dtype=np.uint8)
    image_file = write_bytes(tmp_path / "images", idx_bytes(images), compress)
    label_file = write_bytes(tmp_path / "labels", idx_bytes(labels), compress)
    read_images = read_idx_images(image_file)
    read_labels = read_idx_labels(label_file, 10)
    assert read_images.shape == (7, 1, 5, 4) and read_images.dtype == np.uint8
    np.testing.assert_array_equal(read_images[:, 0], images)
    assert read_labels.dtype == np.int64
    np.testing.assert_array_equal(read_labels, labels)


def test_wrong_magic_names_the_file(tmp_path: Path) -> None:
    labels_as_images = write_bytes(tmp_path / "images", idx_bytes(np.zeros(3, dtype=np.uint8)), True)
    with pytest.raises(DatasetError, match=r"images\.gz.*wrong IDX magic number 2049 \(expected 2051"):
        read_idx_images(labels_as_images)


@pytest.mark.parametrize("cut", [1, 100])
def test_truncated_data_is_rejected(tmp_path: Path, cut: int) -> None:
    data = idx_bytes(np.zeros((4, 8, 8), dtype=np.uint8))
    path = write_bytes(tmp_path / "images", data[:-cut], True)
    with pytest.raises(DatasetError, match=r"images\.gz.*truncated"):
        read_idx_images(path)


def test_extra_bytes_are_rejected(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "labels", idx_bytes(np.zeros(4, dtype=np.uint8)) + b"\0", False)
    with pytest.raises(DatasetError, match="holds 5"):
        read_idx_labels(path, 10)


@pytest.mark.parametrize("data", [b"", b"\0\0\x08", b"\0\0\x08\x03\0\0"])
def test_too_short_header(tmp_path: Path, data: bytes) -> None:
    path = write_bytes(tmp_path / "images", data, False)
    with pytest.raises(DatasetError, match="images"):
        read_idx_images(path)


def test_truncated_gzip_stream(tmp_path: Path) -> None:
    compressed = gzip.compress(idx_bytes(np.arange(200, dtype=np.uint8)))
    path = tmp_path / "labels.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(DatasetError, match=r"labels\.gz.*cannot read"):
        read_idx_labels(path, 256)


def test_not_gzip_although_named_gz(tmp_path: Path) -> None:
    path = tmp_path / "labels.gz"
    path.write_bytes(idx_bytes(np.zeros(3, dtype=np.uint8)))
    with pytest.raises(DatasetError, match=r"labels\.gz"):
        read_idx_labels(path, 10)


def test_label_out_of_range(tmp_path: Path) -> None:
    path = write_bytes(tmp_path / "labels", idx_bytes(np.array([1, 2, 10, 3], dtype=np.uint8)), True)
    with pytest.raises(DatasetError, match=r"labels\.gz.*label 10 at position 2 is outside 0\.\.9"):
        read_idx_labels(path, 10)
