"""Tests for eas.data.cifar10: python and binary versions, folder, parent and tar.gz forms."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from eas.data import DatasetError, load_dataset
from eas.data.cifar10 import load_cifar10

from .formats import cifar_arrays, cifar_files, expected_cifar, python2_style, write_folder, write_tar

BATCHES = cifar_arrays(per_batch=6, test=10)


def check_exact(root: Path) -> None:
    raw = load_cifar10(root)
    train_images, train_labels, test_images, test_labels = expected_cifar(BATCHES)
    assert raw.train_images.shape == (30, 3, 32, 32) and raw.test_images.shape == (10, 3, 32, 32)
    np.testing.assert_array_equal(raw.train_images, train_images)
    np.testing.assert_array_equal(raw.train_labels, train_labels)
    np.testing.assert_array_equal(raw.test_images, test_images)
    np.testing.assert_array_equal(raw.test_labels, test_labels)
    assert raw.train_labels.dtype == np.int64 and raw.num_classes == 10


@pytest.mark.parametrize("binary", [False, True])
def test_batch_folder(tmp_path: Path, binary: bool) -> None:
    check_exact(write_folder(tmp_path / "batches", cifar_files(BATCHES, binary)))


@pytest.mark.parametrize(("binary", "inner"), [(False, "cifar-10-batches-py"), (True, "cifar-10-batches-bin")])
def test_parent_folder(tmp_path: Path, binary: bool, inner: str) -> None:
    write_folder(tmp_path / inner, cifar_files(BATCHES, binary))
    check_exact(tmp_path)


@pytest.mark.parametrize(
    ("binary", "archive", "inner"),
    [
        (False, "cifar-10-python.tar.gz", "cifar-10-batches-py"),
        (True, "cifar-10-binary.tar.gz", "cifar-10-batches-bin"),
    ],
)
def test_archive_as_file_and_in_parent(tmp_path: Path, binary: bool, archive: str, inner: str) -> None:
    path = write_tar(tmp_path / archive, cifar_files(BATCHES, binary), inner)
    check_exact(path)
    check_exact(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [archive]  # nothing was extracted


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_pickle_protocols(tmp_path: Path, protocol: int) -> None:
    check_exact(write_folder(tmp_path, cifar_files(BATCHES, protocol=protocol)))


def test_pre_numpy2_pickles(tmp_path: Path) -> None:
    files = {name: python2_style(data) for name, data in cifar_files(BATCHES).items()}
    assert b"numpy.core.multiarray" in files["test_batch"]
    check_exact(write_folder(tmp_path, files))


def test_load_dataset_settings_and_split(tmp_path: Path) -> None:
    write_folder(tmp_path / "cifar-10-batches-py", cifar_files(BATCHES))
    dataset = load_dataset("cifar10", root=tmp_path)
    assert dataset.info.input_shape == (3, 32, 32) and dataset.info.class_names is not None
    assert dataset.info.class_names[0] == "airplane" and (dataset.info.pad, dataset.info.flip) == (4, True)
    assert (len(dataset.train), len(dataset.validation), len(dataset.test)) == (27, 3, 10)


def test_lookup_in_env_and_cache(tmp_path: Path, isolated_data_places: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = isolated_data_places / ".cache" / "eas" / "cifar10"
    write_tar(cache / "cifar-10-binary.tar.gz", cifar_files(BATCHES, binary=True), "cifar-10-batches-bin")
    check_exact(None)  # type: ignore[arg-type]
    monkeypatch.setenv("EAS_DATA_DIR", str(tmp_path / "env"))
    env_batches = cifar_arrays(per_batch=2, test=3, seed=1)
    write_folder(tmp_path / "env" / "cifar10" / "cifar-10-batches-py", cifar_files(env_batches))
    assert load_cifar10().test_images.shape[0] == 3


def test_not_found_lists_places_and_files(tmp_path: Path, isolated_data_places: Path) -> None:
    with pytest.raises(DatasetError, match=r"(?s)CIFAR-10 not found; looked in:.*\.cache/eas/cifar10.*data_batch_1"):
        load_dataset("cifar10")


def test_missing_batch(tmp_path: Path) -> None:
    files = cifar_files(BATCHES)
    del files["data_batch_4"]
    write_folder(tmp_path, files)
    with pytest.raises(DatasetError, match=r"data_batch_4: missing CIFAR-10 batch"):
        load_cifar10(tmp_path)


def test_missing_member_in_archive(tmp_path: Path) -> None:
    files = cifar_files(BATCHES, binary=True)
    del files["test_batch.bin"]
    archive = write_tar(tmp_path / "cifar-10-binary.tar.gz", files, "cifar-10-batches-bin")
    with pytest.raises(DatasetError, match=r"cifar-10-binary\.tar\.gz: the archive has no member test_batch\.bin"):
        load_cifar10(archive)


def test_truncated_archive(tmp_path: Path) -> None:
    archive = write_tar(tmp_path / "cifar-10-python.tar.gz", cifar_files(BATCHES), "cifar-10-batches-py")
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(DatasetError, match=r"cifar-10-python\.tar\.gz"):
        load_cifar10(archive)


def test_archive_without_batches(tmp_path: Path) -> None:
    archive = write_tar(tmp_path / "cifar-10-python.tar.gz", {"readme.html": b"hi"}, "cifar-10-batches-py")
    with pytest.raises(DatasetError, match="holds no CIFAR-10 batches"):
        load_cifar10(archive)


def test_binary_record_size(tmp_path: Path) -> None:
    files = cifar_files(BATCHES, binary=True)
    files["data_batch_2.bin"] = files["data_batch_2.bin"][:-1]
    write_folder(tmp_path, files)
    with pytest.raises(DatasetError, match=r"data_batch_2\.bin: size 18437 bytes is not a positive multiple"):
        load_cifar10(tmp_path)


def test_binary_label_out_of_range(tmp_path: Path) -> None:
    files = cifar_files(BATCHES, binary=True)
    broken = bytearray(files["test_batch.bin"])
    broken[3073] = 10  # label byte of the second record
    files["test_batch.bin"] = bytes(broken)
    write_folder(tmp_path, files)
    with pytest.raises(DatasetError, match=r"test_batch\.bin: label 10 at position 1 is outside 0\.\.9"):
        load_cifar10(tmp_path)


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, 11]}, "label 11 at position 1"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, "2 images but 1 labels"),
        ({b"data": np.zeros((2, 3000), np.uint8), b"labels": [0, 1]}, "uint8 N x 3072"),
        ({b"data": np.zeros((2, 3072), np.float32), b"labels": [0, 1]}, "uint8 N x 3072"),
        ({b"labels": [0, 1]}, r"lacks \['data'\]"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": ["a", "b"]}, "integers"),
        ([1, 2, 3], "expected a pickled dict"),
    ],
)
def test_bad_python_batch(tmp_path: Path, batch: object, message: str) -> None:
    files = cifar_files(BATCHES)
    files["data_batch_3"] = pickle.dumps(batch, protocol=2)
    write_folder(tmp_path, files)
    with pytest.raises(DatasetError, match=rf"data_batch_3: .*{message}"):
        load_cifar10(tmp_path)


def test_truncated_pickle(tmp_path: Path) -> None:
    files = cifar_files(BATCHES)
    files["data_batch_1"] = files["data_batch_1"][:500]
    write_folder(tmp_path, files)
    with pytest.raises(DatasetError, match=r"data_batch_1: cannot unpickle"):
        load_cifar10(tmp_path)


def test_str_keys_are_accepted(tmp_path: Path) -> None:
    files = cifar_files(BATCHES)
    data, labels = BATCHES[5]
    files["test_batch"] = pickle.dumps({"data": data, "labels": labels.tolist()}, protocol=4)
    write_folder(tmp_path, files)
    np.testing.assert_array_equal(load_cifar10(tmp_path).test_labels, labels)


def test_root_that_is_not_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(DatasetError, match=r"notes\.txt: not a CIFAR-10 source"):
        load_cifar10(path)
