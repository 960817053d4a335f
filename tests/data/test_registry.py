"""Tests for eas.data.registry: each name reaches its reader with `root`, and its augmentation settings.

Validation sizes, seeds and statistics through `load_dataset` are in test_load_dataset.py; every
reader's own file checks are in that reader's test file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from eas.data import DATASET_NAMES, DatasetError, load_dataset

from .formats import cifar_arrays, cifar_files, svhn_arrays, write_fashion, write_folder, write_svhn_mat

# The paper's settings: CIFAR-10 is "C10+" (pad 4 + flip); flipping SVHN digits changes their meaning.
EXPECTED_AUGMENTATION = {
    "fashion-mnist": (2, True),
    "cifar10": (4, True),
    "svhn": (0, False),
    "svhn+extra": (0, False),
}


def write_named_dataset(name: str, root: Path) -> tuple[np.ndarray, int]:
    """Write tiny files of dataset `name` under `root`; return the test images (N x C x H x W) and
    the number of training images `load_dataset` should see."""
    if name == "fashion-mnist":
        arrays = write_fashion(root, train=20, test=6, size=8)
        return arrays["t10k-images-idx3-ubyte"][:, None], 20
    if name == "cifar10":
        batches = cifar_arrays(per_batch=4, test=6)
        write_folder(root / "cifar-10-batches-py", cifar_files(batches))
        return batches[5][0].reshape(-1, 3, 32, 32), 20
    test_images, test_digits = svhn_arrays(6, 1)
    write_svhn_mat(root / "test_32x32.mat", test_images, test_digits)
    write_svhn_mat(root / "train_32x32.mat", *svhn_arrays(20, 0))
    write_svhn_mat(root / "extra_32x32.mat", *svhn_arrays(10, 2))
    return test_images, 30 if name == "svhn+extra" else 20


def test_every_listed_name_has_expected_settings() -> None:
    assert set(DATASET_NAMES) == {*EXPECTED_AUGMENTATION, "npz:PATH"}


@pytest.mark.parametrize(("name", "augmentation"), list(EXPECTED_AUGMENTATION.items()))
def test_each_name_reads_its_files_from_root(tmp_path: Path, name: str, augmentation: tuple[int, bool]) -> None:
    test_images, train_count = write_named_dataset(name, tmp_path)
    dataset = load_dataset(name, root=tmp_path, validation_size=2)
    assert dataset.info.name == name
    assert (dataset.info.pad, dataset.info.flip) == augmentation
    np.testing.assert_array_equal(dataset.test.images.numpy(), test_images)
    assert len(dataset.train) + len(dataset.validation) == train_count and len(dataset.validation) == 2


def test_npz_ignores_root_and_never_augments(tmp_path: Path) -> None:
    write_named_dataset("cifar10", tmp_path / "root")  # a dataset `root` would find, were it used
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(30, 1, 5, 5), dtype=np.uint8)
    path = tmp_path / "own.npz"
    np.savez(path, x_train=images, y_train=np.arange(30) % 3, x_test=images[:4], y_test=np.arange(4) % 3)
    dataset = load_dataset(f"npz:{path}", root=tmp_path / "root", validation_size=3)
    assert dataset.info.name == f"npz:{path}" and dataset.info.input_shape == (1, 5, 5)
    assert (dataset.info.pad, dataset.info.flip) == (0, False)
    np.testing.assert_array_equal(dataset.test.images.numpy(), images[:4])


def test_npz_path_may_start_with_a_tilde(isolated_data_places: Path) -> None:
    images = np.zeros((12, 1, 2, 2), dtype=np.uint8)
    labels = np.arange(12) % 2
    np.savez(isolated_data_places / "d.npz", x_train=images, y_train=labels, x_test=images, y_test=labels)
    dataset = load_dataset("npz:~/d.npz", validation_size=2)
    assert dataset.info.name == "npz:~/d.npz" and len(dataset.test) == 12


def test_npz_file_problems_come_through_as_dataset_errors(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match=r"absent\.npz: no such file; npz:PATH must name an existing \.npz file"):
        load_dataset(f"npz:{tmp_path / 'absent.npz'}")


@pytest.mark.parametrize("name", ["CIFAR10", " cifar10", "svhn-extra", "npz", "NPZ:data.npz", ""])
def test_names_must_match_exactly(name: str) -> None:
    with pytest.raises(DatasetError, match=rf"unknown dataset {name!r}; valid names: fashion-mnist, cifar10"):
        load_dataset(name)
