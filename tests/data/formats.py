"""Writers of the official dataset file formats, so tests can build tiny copies in tmp_path.

Each writer produces exactly the layout the real files use (IDX headers, CIFAR-10 pickled dicts
with bytes keys or 3073-byte records, SVHN MATLAB v5 with labels 1..10, tar.gz archives).
"""

from __future__ import annotations

import gzip
import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
import scipy.io

REAL_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    """Encode a uint8 array as IDX (magic 0x0800 | ndim unless given)."""
    header_magic = (0x0800 | array.ndim) if magic is None else magic
    header = header_magic.to_bytes(4, "big") + b"".join(size.to_bytes(4, "big") for size in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_bytes(path: Path, data: bytes, compress: bool) -> Path:
    """Write `data` to `path` (+ '.gz' and gzipped when `compress`); return the file written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if compress:
        path = path.with_name(path.name + ".gz")
        path.write_bytes(gzip.compress(data, mtime=0))
    else:
        path.write_bytes(data)
    return path


def random_images(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(0, 256, size=shape, dtype=np.uint8)


def write_fashion(
    folder: Path, train: int = 40, test: int = 12, seed: int = 0, compress: bool = True, size: int = 28
) -> dict[str, np.ndarray]:
    """Write the four Fashion-MNIST IDX files; return the arrays written (images N x H x W)."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte": random_images(rng, (train, size, size)),
        "train-labels-idx1-ubyte": rng.integers(0, 10, size=train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": random_images(rng, (test, size, size)),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, size=test, dtype=np.uint8),
    }
    for stem, array in arrays.items():
        write_bytes(folder / stem, idx_bytes(array), compress)
    return arrays


def cifar_arrays(per_batch: int = 6, test: int = 10, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Six (uint8 N x 3072 data, labels) batches: five training batches, then the test batch."""
    rng = np.random.default_rng(seed)
    sizes = [per_batch] * 5 + [test]
    return [(random_images(rng, (n, 3072)), rng.integers(0, 10, size=n)) for n in sizes]


def cifar_python_batch(data: np.ndarray, labels: np.ndarray, index: int, protocol: int = 2) -> bytes:
    """Pickle one batch as the official python version does: bytes keys, labels a list of ints."""
    batch = {
        b"batch_label": f"training batch {index} of 5".encode(),
        b"labels": [int(label) for label in labels],
        b"data": data,
        b"filenames": [f"image_{index}_{i}.png".encode() for i in range(len(labels))],
    }
    return pickle.dumps(batch, protocol=protocol)


def python2_style(pickled: bytes) -> bytes:
    """Rename numpy._core to numpy.core, as in pickles written before numpy 2 (the official files)."""
    return pickled.replace(b"numpy._core.multiarray", b"numpy.core.multiarray")


def cifar_binary_batch(data: np.ndarray, labels: np.ndarray) -> bytes:
    records = np.concatenate([labels.astype(np.uint8)[:, None], data], axis=1)
    return records.tobytes()


PYTHON_NAMES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
BINARY_NAMES = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]


def cifar_files(
    batches: list[tuple[np.ndarray, np.ndarray]], binary: bool = False, protocol: int = 2
) -> dict[str, bytes]:
    """The file name -> contents of one CIFAR-10 version."""
    if binary:
        return {name: cifar_binary_batch(*batch) for name, batch in zip(BINARY_NAMES, batches, strict=True)}
    return {
        name: cifar_python_batch(data, labels, index + 1, protocol)
        for index, (name, (data, labels)) in enumerate(zip(PYTHON_NAMES, batches, strict=True))
    }


def write_folder(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def write_tar(archive: Path, files: dict[str, bytes], inner_folder: str) -> Path:
    """Write a .tar.gz holding `inner_folder/<name>` members, like the official archives."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "w:gz") as tar:
        directory = tarfile.TarInfo(inner_folder)
        directory.type = tarfile.DIRTYPE
        tar.addfile(directory)
        for name, data in files.items():
            info = tarfile.TarInfo(f"{inner_folder}/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return archive


def expected_cifar(batches: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, ...]:
    """(train images N x 3 x 32 x 32, train labels, test images, test labels) from raw batches."""
    train_data = np.concatenate([data for data, _ in batches[:5]]).reshape(-1, 3, 32, 32)
    train_labels = np.concatenate([labels for _, labels in batches[:5]])
    return train_data, train_labels, batches[5][0].reshape(-1, 3, 32, 32), batches[5][1]


def write_svhn_mat(path: Path, images: np.ndarray, digits: np.ndarray, raw_labels: np.ndarray | None = None) -> Path:
    """Write an SVHN .mat file from N x 3 x 32 x 32 images and digits 0..9 (stored as 1..10)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    labels = np.where(digits == 0, 10, digits) if raw_labels is None else raw_labels
    scipy.io.savemat(
        str(path),
        {"X": np.ascontiguousarray(images.transpose(2, 3, 1, 0)), "y": labels.astype(np.uint8).reshape(-1, 1)},
    )
    return path


def svhn_arrays(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    digits = np.arange(count) % 10  # every digit, including 0, appears
    return random_images(rng, (count, 3, 32, 32)), rng.permutation(digits)
