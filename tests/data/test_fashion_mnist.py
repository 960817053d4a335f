"""Tests for eas.data.fashion_mnist: reading, lookup order, checks across files, the real data."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from eas.data import DatasetError, fashion_mnist, load_dataset

from .formats import REAL_FASHION_MNIST, idx_bytes, write_bytes, write_fashion


@pytest.mark.parametrize("compress", [True, False])
def test_reads_a_folder_exactly(tmp_path: Path, compress: bool) -> None:
    arrays = write_fashion(tmp_path, train=40, test=12, compress=compress)
    dataset = load_dataset("fashion-mnist", root=tmp_path, validation_size=4)
    assert dataset.info.input_shape == (1, 28, 28)
    assert dataset.info.num_classes == 10 and dataset.info.class_names == fashion_mnist.CLASS_NAMES
    assert (dataset.info.pad, dataset.info.flip) == (2, True)
    assert (len(dataset.train), len(dataset.validation), len(dataset.test)) == (36, 4, 12)
    np.testing.assert_array_equal(dataset.test.images[:, 0].numpy(), arrays["t10k-images-idx3-ubyte"])
    np.testing.assert_array_equal(dataset.test.labels.numpy(), arrays["t10k-labels-idx1-ubyte"])
    everything = torch.cat([dataset.train.images, dataset.validation.images])
    assert sorted(everything.reshape(40, -1).sum(1).tolist()) == sorted(
        arrays["train-images-idx3-ubyte"].reshape(40, -1).sum(1, dtype=np.int64).tolist()
    )


def test_default_validation_size_is_capped(tmp_path: Path) -> None:
    write_fashion(tmp_path, train=300, test=5)
    dataset = load_dataset("fashion-mnist", root=tmp_path)
    assert (len(dataset.train), len(dataset.validation)) == (270, 30)


def test_subfolder_of_root(tmp_path: Path) -> None:
    write_fashion(tmp_path / "fashion-mnist", train=20, test=3)
    assert len(load_dataset("fashion-mnist", root=tmp_path).test) == 3


def test_lookup_order(tmp_path: Path, isolated_data_places: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each place gets a copy with a different test-set size, so the size says which one was read.
    home = isolated_data_places
    env_dir = tmp_path / "env"
    system = tmp_path / "system"
    monkeypatch.setenv("EAS_DATA_DIR", str(env_dir))
    monkeypatch.setattr(fashion_mnist, "SYSTEM_PLACES", [system])
    write_fashion(tmp_path / "root", train=20, test=1)
    write_fashion(env_dir, train=20, test=2)
    write_fashion(env_dir / "fashion-mnist", train=20, test=3)
    write_fashion(home / ".cache" / "eas" / "fashion-mnist", train=20, test=4)
    write_fashion(system, train=20, test=5)

    def test_size(root: Path | None = None) -> int:
        return len(load_dataset("fashion-mnist", root=root, validation_size=1).test)

    assert test_size(tmp_path / "root") == 1
    assert test_size() == 2
    for stem in fashion_mnist.FILE_STEMS:
        (env_dir / f"{stem}.gz").unlink()
    assert test_size() == 3
    monkeypatch.delenv("EAS_DATA_DIR")
    assert test_size() == 4
    for stem in fashion_mnist.FILE_STEMS:
        (home / ".cache" / "eas" / "fashion-mnist" / f"{stem}.gz").unlink()
    assert test_size() == 5


def test_root_without_files_falls_back_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("EAS_DATA_DIR", str(tmp_path / "env"))
    write_fashion(tmp_path / "env", train=20, test=2)
    (tmp_path / "empty").mkdir()
    with caplog.at_level(logging.WARNING, logger="eas.data.locate"):
        dataset = load_dataset("fashion-mnist", root=tmp_path / "empty", validation_size=1)
    assert len(dataset.test) == 2
    assert "nothing found under" in caplog.text and "empty" in caplog.text


def test_incomplete_folder_is_an_error(tmp_path: Path) -> None:
    write_fashion(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DatasetError, match=r"incomplete Fashion-MNIST folder, missing t10k-labels-idx1-ubyte\.gz"):
        load_dataset("fashion-mnist", root=tmp_path)


def test_image_and_label_counts_must_agree(tmp_path: Path) -> None:
    write_fashion(tmp_path, train=20, test=5)
    write_bytes(tmp_path / "t10k-labels-idx1-ubyte", idx_bytes(np.zeros(4, dtype=np.uint8)), True)
    with pytest.raises(DatasetError, match=r"t10k-images-idx3-ubyte\.gz has 5 images but .* has 4 labels"):
        load_dataset("fashion-mnist", root=tmp_path)


def test_corrupt_file_is_never_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A broken copy in an earlier place must raise, not silently fall through to a later one.
    write_fashion(tmp_path / "good")
    monkeypatch.setattr(fashion_mnist, "SYSTEM_PLACES", [tmp_path / "good"])
    write_fashion(tmp_path / "bad")
    label_file = tmp_path / "bad" / "train-labels-idx1-ubyte.gz"
    write_bytes(label_file.with_suffix(""), idx_bytes(np.full(40, 12, dtype=np.uint8)), True)
    with pytest.raises(DatasetError, match=r"bad/train-labels-idx1-ubyte\.gz: label 12"):
        load_dataset("fashion-mnist", root=tmp_path / "bad")


def test_missing_everywhere_names_places_and_fixes(tmp_path: Path, isolated_data_places: Path) -> None:
    with pytest.raises(DatasetError) as caught:
        load_dataset("fashion-mnist", root=tmp_path / "nowhere")
    message = str(caught.value)
    assert str(tmp_path / "nowhere") in message
    assert str(isolated_data_places / ".cache" / "eas" / "fashion-mnist") in message
    assert "system" in message  # the (monkeypatched) system folder is listed too
    assert "apt-get install dataset-fashion-mnist" in message and "EAS_DATA_DIR" in message
    assert "127.0.0.1:9" in message
    assert not (isolated_data_places / ".cache" / "eas" / "fashion-mnist").exists()  # the failed download left nothing


def test_real_fashion_mnist(monkeypatch: pytest.MonkeyPatch) -> None:
    if not all((REAL_FASHION_MNIST / f"{stem}.gz").is_file() for stem in fashion_mnist.FILE_STEMS):
        pytest.skip(f"Fashion-MNIST is not installed in {REAL_FASHION_MNIST}")
    monkeypatch.setattr(fashion_mnist, "SYSTEM_PLACES", [REAL_FASHION_MNIST])
    start = time.perf_counter()
    dataset = load_dataset("fashion-mnist")
    elapsed = time.perf_counter() - start
    assert (len(dataset.train), len(dataset.validation), len(dataset.test)) == (55000, 5000, 10000)
    assert dataset.info.input_shape == (1, 28, 28)
    assert dataset.test.labels.bincount().tolist() == [1000] * 10
    assert 0.25 < dataset.info.mean[0] < 0.32 and 0.33 < dataset.info.std[0] < 0.37
    assert elapsed < 5.0
