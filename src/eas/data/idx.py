"""Reader for the IDX format used by (Fashion-)MNIST, gzipped or not.

Only unsigned-byte IDX files are accepted (that is all MNIST-style datasets use); the header,
the byte count and the dimensions are checked so that a truncated download is never read.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import Final

import numpy as np

from eas.data.types import DatasetError

IMAGES_MAGIC: Final = 2051  # 0x00000803: unsigned bytes, 3 dimensions (N, rows, columns)
LABELS_MAGIC: Final = 2049  # 0x00000801: unsigned bytes, 1 dimension (N)


def read_file_bytes(path: Path) -> bytes:
    """Return the (decompressed, when the name ends in .gz) contents of `path`."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as stream:
                return stream.read()
        return path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:
        raise DatasetError(
            f"{path}: cannot read the file ({error}); it is probably truncated or corrupt, delete it and fetch it again"
        ) from error


def parse_idx(data: bytes, path: Path, expected_magic: int) -> np.ndarray:
    """Parse the IDX bytes `data` (read from `path`) into a uint8 array, checking the header."""
    if len(data) < 4:
        raise DatasetError(f"{path}: only {len(data)} bytes, too short for an IDX header; fetch the file again")
    magic = int.from_bytes(data[:4], "big")
    if magic != expected_magic:
        kind = "images" if expected_magic == IMAGES_MAGIC else "labels"
        raise DatasetError(
            f"{path}: wrong IDX magic number {magic} (expected {expected_magic} for {kind}); "
            "the file is not an IDX file of the right kind or is corrupt"
        )
    dimensions = expected_magic & 0xFF
    header_size = 4 + 4 * dimensions
    if len(data) < header_size:
        raise DatasetError(f"{path}: truncated IDX header ({len(data)} bytes); fetch the file again")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dimensions))
    expected_bytes = int(np.prod(shape, dtype=np.int64))
    actual_bytes = len(data) - header_size
    if actual_bytes != expected_bytes:
        raise DatasetError(
            f"{path}: the header announces shape {shape} ({expected_bytes} data bytes) but the file holds "
            f"{actual_bytes}; the file is truncated or corrupt, fetch it again"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)


def read_idx_images(path: Path) -> np.ndarray:
    """Read an IDX image file into a uint8 N x 1 x H x W array."""
    images = parse_idx(read_file_bytes(path), path, IMAGES_MAGIC)
    if min(images.shape[1:]) < 1:
        raise DatasetError(f"{path}: images of size {images.shape[1:]} are empty; the file is corrupt")
    return images[:, None, :, :]


def read_idx_labels(path: Path, num_classes: int) -> np.ndarray:
    """Read an IDX label file into an int64 array, checking every label is in 0..num_classes-1."""
    labels = parse_idx(read_file_bytes(path), path, LABELS_MAGIC)
    if labels.size and int(labels.max()) >= num_classes:
        bad = int(np.argmax(labels >= num_classes))
        raise DatasetError(
            f"{path}: label {int(labels[bad])} at position {bad} is outside 0..{num_classes - 1}; "
            "the file is corrupt or belongs to another dataset"
        )
    return labels.astype(np.int64)
