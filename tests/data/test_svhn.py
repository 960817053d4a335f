"""Tests for eas.data.svhn: MATLAB v5 files, label 10 -> digit 0, the extra set, corrupt files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.io

from eas.data import DatasetError, load_dataset
from eas.data.svhn import load_svhn, read_svhn_mat

from .formats import svhn_arrays, write_svhn_mat


def write_svhn(folder: Path, extra: bool = False) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    arrays = {"train": svhn_arrays(30, 0), "test": svhn_arrays(10, 1)}
    if extra:
        arrays["extra"] = svhn_arrays(20, 2)
    for part, (images, digits) in arrays.items():
        write_svhn_mat(folder / f"{part}_32x32.mat", images, digits)
    return arrays


def test_round_trip_and_label_mapping(tmp_path: Path) -> None:
    images, digits = svhn_arrays(20, 0)
    path = write_svhn_mat(tmp_path / "test_32x32.mat", images, digits)
    assert 10 in scipy.io.loadmat(str(path))["y"]  # digit 0 really is stored as 10
    read_images, labels = read_svhn_mat(path)
    assert read_images.shape == (20, 3, 32, 32) and read_images.dtype == np.uint8
    assert read_images.flags.c_contiguous
    np.testing.assert_array_equal(read_images, images)
    np.testing.assert_array_equal(labels, digits)
    assert labels.dtype == np.int64 and set(labels.tolist()) == set(range(10))


def test_load_dataset_svhn(tmp_path: Path) -> None:
    arrays = write_svhn(tmp_path)
    dataset = load_dataset("svhn", root=tmp_path, validation_size=5)
    assert (len(dataset.train), len(dataset.validation), len(dataset.test)) == (25, 5, 10)
    assert (dataset.info.pad, dataset.info.flip) == (0, False)
    assert dataset.info.class_names == tuple("0123456789") and dataset.info.num_classes == 10
    np.testing.assert_array_equal(dataset.test.images.numpy(), arrays["test"][0])
    np.testing.assert_array_equal(dataset.test.labels.numpy(), arrays["test"][1])


def test_extra_joins_the_training_set(tmp_path: Path) -> None:
    arrays = write_svhn(tmp_path, extra=True)
    raw = load_svhn(tmp_path, extra=True)
    np.testing.assert_array_equal(raw.train_images, np.concatenate([arrays["train"][0], arrays["extra"][0]]))
    np.testing.assert_array_equal(raw.train_labels, np.concatenate([arrays["train"][1], arrays["extra"][1]]))
    assert len(load_dataset("svhn+extra", root=tmp_path, validation_size=5).train) == 45
    assert len(load_dataset("svhn", root=tmp_path, validation_size=5).train) == 25


def test_extra_missing(tmp_path: Path) -> None:
    write_svhn(tmp_path)
    with pytest.raises(DatasetError, match=r"extra_32x32\.mat: missing"):
        load_dataset("svhn+extra", root=tmp_path)


def test_lookup_in_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EAS_DATA_DIR", str(tmp_path))
    write_svhn(tmp_path / "svhn")
    assert len(load_dataset("svhn", validation_size=1).test) == 10


def test_not_found(isolated_data_places: Path) -> None:
    with pytest.raises(DatasetError, match=r"(?s)SVHN not found; looked in:.*\.cache/eas/svhn.*train_32x32\.mat"):
        load_dataset("svhn")


def test_incomplete_folder(tmp_path: Path) -> None:
    write_svhn(tmp_path)
    (tmp_path / "test_32x32.mat").unlink()
    with pytest.raises(DatasetError, match=r"incomplete SVHN folder, missing \['test_32x32\.mat'\]"):
        load_svhn(tmp_path)


@pytest.mark.parametrize("bad_label", [0, 11])
def test_label_outside_1_to_10(tmp_path: Path, bad_label: int) -> None:
    images, digits = svhn_arrays(10, 0)
    raw_labels = np.where(digits == 0, 10, digits)
    raw_labels[4] = bad_label
    path = write_svhn_mat(tmp_path / "train_32x32.mat", images, digits, raw_labels)
    with pytest.raises(DatasetError, match=rf"train_32x32\.mat: label {bad_label} at position 4 is outside 1\.\.10"):
        read_svhn_mat(path)


def test_float_labels_must_be_whole(tmp_path: Path) -> None:
    path = tmp_path / "test_32x32.mat"
    images, _ = svhn_arrays(3, 0)
    scipy.io.savemat(str(path), {"X": images.transpose(2, 3, 1, 0), "y": np.array([[1.0], [10.0], [2.5]])})
    with pytest.raises(DatasetError, match=r"label 2\.5 at position 2"):
        read_svhn_mat(path)
    scipy.io.savemat(str(path), {"X": images.transpose(2, 3, 1, 0), "y": np.array([[1.0], [10.0], [2.0]])})
    assert read_svhn_mat(path)[1].tolist() == [1, 0, 2]


def test_corrupt_and_wrong_files(tmp_path: Path) -> None:
    garbage = tmp_path / "train_32x32.mat"
    garbage.write_bytes(b"MATLAB 5.0 MAT-file" + b"\x00" * 50)
    with pytest.raises(DatasetError, match=r"train_32x32\.mat: cannot read the MATLAB file"):
        read_svhn_mat(garbage)
    images, digits = svhn_arrays(10, 0)
    truncated = write_svhn_mat(tmp_path / "test_32x32.mat", images, digits)
    truncated.write_bytes(truncated.read_bytes()[:20_000])
    with pytest.raises(DatasetError, match=r"test_32x32\.mat: cannot read the MATLAB file"):
        read_svhn_mat(truncated)
    no_y = tmp_path / "no_y.mat"
    scipy.io.savemat(str(no_y), {"X": np.zeros((32, 32, 3, 2), np.uint8)})
    with pytest.raises(DatasetError, match=r"no_y\.mat: the file lacks the variable\(s\) \['y'\]"):
        read_svhn_mat(no_y)
    wrong_shape = tmp_path / "wrong.mat"
    scipy.io.savemat(str(wrong_shape), {"X": np.zeros((28, 28, 3, 2), np.uint8), "y": np.ones((2, 1))})
    with pytest.raises(DatasetError, match=r"wrong\.mat: X must be uint8 32 x 32 x 3 x N"):
        read_svhn_mat(wrong_shape)
    count_mismatch = tmp_path / "count.mat"
    scipy.io.savemat(str(count_mismatch), {"X": np.zeros((32, 32, 3, 2), np.uint8), "y": np.ones((3, 1))})
    with pytest.raises(DatasetError, match=r"count\.mat: y must hold one label per image"):
        read_svhn_mat(count_mismatch)
