"""Tests for eas.data.npz: layouts, optional arrays and every rejected file."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from eas.data import DatasetError, load_dataset
from eas.data.npz import load_npz

RNG = np.random.default_rng(0)
NCHW_TRAIN = RNG.integers(0, 256, size=(20, 3, 8, 6), dtype=np.uint8)
NCHW_TEST = RNG.integers(0, 256, size=(5, 3, 8, 6), dtype=np.uint8)
Y_TRAIN = np.arange(20) % 4
Y_TEST = np.array([0, 1, 2, 3, 1])


def write(path: Path, **arrays: object) -> Path:
    contents: dict[str, object] = dict(x_train=NCHW_TRAIN, y_train=Y_TRAIN, x_test=NCHW_TEST, y_test=Y_TEST)
    contents.update(arrays)
    np.savez(path, **{key: value for key, value in contents.items() if value is not None})  # type: ignore[arg-type]
    return path


def test_nchw(tmp_path: Path) -> None:
    raw = load_npz(write(tmp_path / "d.npz"))
    np.testing.assert_array_equal(raw.train_images, NCHW_TRAIN)
    np.testing.assert_array_equal(raw.test_labels, Y_TEST)
    assert raw.num_classes == 4 and raw.class_names is None and raw.train_labels.dtype == np.int64


def test_nhwc(tmp_path: Path) -> None:
    path = write(tmp_path / "d.npz", x_train=NCHW_TRAIN.transpose(0, 2, 3, 1), x_test=NCHW_TEST.transpose(0, 2, 3, 1))
    raw = load_npz(path)
    np.testing.assert_array_equal(raw.train_images, NCHW_TRAIN)
    np.testing.assert_array_equal(raw.test_images, NCHW_TEST)
    assert raw.train_images.flags.c_contiguous


def test_single_channel_nhw(tmp_path: Path) -> None:
    path = write(tmp_path / "d.npz", x_train=NCHW_TRAIN[:, 0], x_test=NCHW_TEST[:, 0])
    raw = load_npz(path)
    assert raw.train_images.shape == (20, 1, 8, 6)
    np.testing.assert_array_equal(raw.train_images[:, 0], NCHW_TRAIN[:, 0])


def test_ambiguous_shape_is_nchw_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    images = RNG.integers(0, 256, size=(20, 3, 5, 3), dtype=np.uint8)
    path = write(tmp_path / "d.npz", x_train=images, x_test=images[:5])
    with caplog.at_level(logging.WARNING, logger="eas.data.npz"):
        raw = load_npz(path)
    np.testing.assert_array_equal(raw.train_images, images)
    assert "could be NCHW or NHWC" in caplog.text
    nhwc = load_npz(write(tmp_path / "e.npz", x_train=images, x_test=images[:5], layout="NHWC"))
    np.testing.assert_array_equal(nhwc.train_images, images.transpose(0, 3, 1, 2))


def test_layout_allows_any_channel_count(tmp_path: Path) -> None:
    images = RNG.integers(0, 256, size=(20, 7, 7, 7), dtype=np.uint8)
    with pytest.raises(DatasetError, match=r"cannot tell the channel axis of x_train.*layout='NHWC'"):
        load_npz(write(tmp_path / "d.npz", x_train=images, x_test=images[:5]))
    raw = load_npz(write(tmp_path / "e.npz", x_train=images, x_test=images[:5], layout=np.array("nchw")))
    assert raw.train_images.shape == (20, 7, 7, 7)
    with pytest.raises(DatasetError, match="layout must be 'NHWC' or 'NCHW'"):
        load_npz(write(tmp_path / "f.npz", layout="CHWN"))


def test_num_classes_and_class_names(tmp_path: Path) -> None:
    raw = load_npz(write(tmp_path / "d.npz", num_classes=6, class_names=np.array(list("abcdef"))))
    assert raw.num_classes == 6 and raw.class_names == tuple("abcdef")
    with pytest.raises(DatasetError, match=r"num_classes must be one integer larger than every label \(max label 3\)"):
        load_npz(write(tmp_path / "e.npz", num_classes=3))
    with pytest.raises(DatasetError, match="class_names must be 4 strings"):
        load_npz(write(tmp_path / "f.npz", class_names=np.array(["a", "b"])))


def test_labels_as_column(tmp_path: Path) -> None:
    raw = load_npz(write(tmp_path / "d.npz", y_train=Y_TRAIN[:, None].astype(np.uint8)))
    np.testing.assert_array_equal(raw.train_labels, Y_TRAIN)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"x_test": None, "y_test": None}, "missing array\\(s\\) x_test, y_test; expected x_train, y_train, x_test"),
        ({"x_train": NCHW_TRAIN.astype(np.float32)}, "x_train has dtype float32; images must be uint8 0..255"),
        ({"y_train": Y_TRAIN[:-1]}, "x_train has 20 images but y_train has 19 labels"),
        ({"y_test": Y_TEST.astype(np.float64)}, "y_test has dtype float64; labels must be integers"),
        ({"y_train": Y_TRAIN - 1}, "y_train holds the negative label -1"),
        ({"x_test": NCHW_TEST[:, :, :4]}, "train images are C x H x W = \\(3, 8, 6\\) but test images are \\(3, 4, 6"),
        ({"x_test": NCHW_TEST[:0], "y_test": Y_TEST[:0]}, "x_test is empty"),
        ({"x_train": NCHW_TRAIN[None]}, "x_train must be N x H x W or 4-D"),
    ],
)
def test_rejected_contents(tmp_path: Path, arrays: dict[str, object], message: str) -> None:
    path = write(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DatasetError, match=rf"bad\.npz: {message}"):
        load_npz(path)


def test_rejected_files(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"missing\.npz: no such file"):
        load_npz(tmp_path / "missing.npz")
    single = tmp_path / "single.npy"
    np.save(single, NCHW_TRAIN)
    with pytest.raises(DatasetError, match=r"single\.npy: this is a single \.npy array"):
        load_npz(single)
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DatasetError, match=r"garbage\.npz: cannot read the file as \.npz"):
        load_npz(garbage)
    objects = tmp_path / "objects.npz"
    np.savez(objects, x_train=np.array([object()] * 3), y_train=Y_TRAIN, x_test=NCHW_TEST, y_test=Y_TEST)
    with pytest.raises(DatasetError, match=r"objects\.npz: cannot read the file as \.npz"):
        load_npz(objects)


def test_load_dataset_npz_with_defaults(tmp_path: Path) -> None:
    images = RNG.integers(0, 256, size=(400, 8, 8, 3), dtype=np.uint8)
    labels = RNG.integers(0, 3, size=400)
    path = write(tmp_path / "small.npz", x_train=images, y_train=labels, x_test=images[:50], y_test=labels[:50])
    dataset = load_dataset(f"npz:{path}")
    assert dataset.info.name == f"npz:{path}" and dataset.info.input_shape == (3, 8, 8)
    assert (dataset.info.pad, dataset.info.flip, dataset.info.num_classes) == (0, False, 3)
    assert (len(dataset.train), len(dataset.validation), len(dataset.test)) == (360, 40, 50)
