"""Every reader refuses an empty or truncated file with a `DatasetError` (a `ValueError`) that names it.

The readers' own tests cover each format's rules (magic numbers, shapes, dtypes, label ranges); this
table cuts one valid file of each format at many points, the damage an interrupted download leaves,
and checks that no cut slips through as another exception or as a smaller dataset.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from eas.data import DatasetError
from eas.data.cifar10 import load_cifar10
from eas.data.idx import read_idx_images, read_idx_labels
from eas.data.npz import load_npz
from eas.data.svhn import read_svhn_mat

from .formats import cifar_arrays, cifar_files, idx_bytes, svhn_arrays, write_bytes, write_folder, write_svhn_mat

# Fractions of a file's length kept; 0.0 is the empty file a failed download leaves. None lands on a
# record boundary of the CIFAR-10 binary batches below (6 records of 3073 bytes): that format has no
# header, so a batch cut between records is a valid smaller batch, which no reader can tell apart.
CUTS = (0.0, 0.001, 0.01, 0.1, 0.47, 0.9, 0.999)


def _idx_images(folder: Path, compress: bool) -> tuple[Path, Callable[[Path], object]]:
    images = np.random.default_rng(0).integers(0, 256, size=(20, 8, 8), dtype=np.uint8)
    path = write_bytes(folder / "images-idx3-ubyte", idx_bytes(images), compress)
    return path, read_idx_images


def _idx_labels(folder: Path, compress: bool) -> tuple[Path, Callable[[Path], object]]:
    path = write_bytes(folder / "labels-idx1-ubyte", idx_bytes(np.arange(200, dtype=np.uint8) % 10), compress)
    return path, lambda target: read_idx_labels(target, 10)


def _cifar(folder: Path, binary: bool) -> tuple[Path, Callable[[Path], object]]:
    files = cifar_files(cifar_arrays(per_batch=6, test=10), binary=binary)
    write_folder(folder, files)
    name = "data_batch_2.bin" if binary else "data_batch_2"
    return folder / name, lambda _: load_cifar10(folder)


def _svhn(folder: Path, _: bool) -> tuple[Path, Callable[[Path], object]]:
    images, digits = svhn_arrays(12, 0)
    return write_svhn_mat(folder / "train_32x32.mat", images, digits), read_svhn_mat


def _npz(folder: Path, compress: bool) -> tuple[Path, Callable[[Path], object]]:
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, size=(30, 8, 8), dtype=np.uint8),
        "y_train": np.arange(30) % 3,
        "x_test": rng.integers(0, 256, size=(6, 8, 8), dtype=np.uint8),
        "y_test": np.arange(6) % 3,
    }
    buffer = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buffer, **arrays)
    path = folder / "own.npz"
    path.write_bytes(buffer.getvalue())
    return path, load_npz


FORMATS = {
    "idx-images": (_idx_images, False),
    "idx-images-gz": (_idx_images, True),
    "idx-labels": (_idx_labels, False),
    "cifar10-python": (_cifar, False),
    "cifar10-binary": (_cifar, True),
    "svhn-mat": (_svhn, False),
    "npz": (_npz, False),
    "npz-compressed": (_npz, True),
}


@pytest.mark.parametrize("cut", CUTS)
@pytest.mark.parametrize("name", sorted(FORMATS))
def test_a_cut_file_is_refused_by_name(tmp_path: Path, name: str, cut: float) -> None:
    make, option = FORMATS[name]
    path, read = make(tmp_path, option)
    read(path)  # the whole file reads
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * cut)])
    with pytest.raises(DatasetError) as error:
        read(path)
    assert isinstance(error.value, ValueError)
    assert path.name in str(error.value)


# A CIFAR-10 binary batch of zeros is a valid batch of black images of class 0: not in this table.
@pytest.mark.parametrize("name", sorted(set(FORMATS) - {"cifar10-binary"}))
def test_a_file_of_zeros_is_refused_by_name(tmp_path: Path, name: str) -> None:
    """A download that was preallocated and never written: the right size, no content."""
    make, option = FORMATS[name]
    path, read = make(tmp_path, option)
    path.write_bytes(bytes(path.stat().st_size))
    with pytest.raises(DatasetError) as error:
        read(path)
    assert path.name in str(error.value)
