"""SVHN cropped digits reader: `train_32x32.mat`, `test_32x32.mat` and optional `extra_32x32.mat`.

The files are MATLAB v5: `X` is 32 x 32 x 3 x N uint8 and `y` is N x 1 with labels 1..10, where
10 stands for the digit 0 (mapped to label 0 here so that label == digit).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

import numpy as np

from eas.data.locate import candidate_places, format_places, root_places, search
from eas.data.types import DatasetError, RawDataset

FOLDER_NAME: Final = "svhn"
CLASS_NAMES: Final = tuple(str(digit) for digit in range(10))
TRAIN_FILE: Final = "train_32x32.mat"
TEST_FILE: Final = "test_32x32.mat"
EXTRA_FILE: Final = "extra_32x32.mat"


def read_svhn_mat(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read one SVHN .mat file into (uint8 N x 3 x 32 x 32 images, int64 labels 0..9)."""
    import scipy.io  # imported here: only SVHN needs it, and it slows down `import eas.data`

    try:
        contents = scipy.io.loadmat(str(path), variable_names=("X", "y"))
    except NotImplementedError as error:  # scipy's answer to MATLAB v7.3 (HDF5) files
        raise DatasetError(
            f"{path}: MATLAB v7.3 files are not supported; the official SVHN files are v5, fetch them again"
        ) from error
    except Exception as error:  # scipy raises ValueError, TypeError, OSError... on corrupt files
        raise DatasetError(
            f"{path}: cannot read the MATLAB file ({type(error).__name__}: {error}); it is truncated or "
            "corrupt, fetch it again"
        ) from error
    missing = [key for key in ("X", "y") if key not in contents]
    if missing:
        raise DatasetError(f"{path}: the file lacks the variable(s) {missing}; not an SVHN cropped-digits file")
    pixels, raw_labels = contents["X"], contents["y"]
    if pixels.dtype != np.uint8 or pixels.ndim != 4 or pixels.shape[:3] != (32, 32, 3):
        raise DatasetError(f"{path}: X must be uint8 32 x 32 x 3 x N, got {pixels.dtype} {pixels.shape}")
    count = pixels.shape[3]
    if raw_labels.size != count or (raw_labels.ndim == 2 and 1 not in raw_labels.shape):
        raise DatasetError(f"{path}: y must hold one label per image ({count}), got shape {raw_labels.shape}")
    labels = raw_labels.reshape(-1)
    if not np.issubdtype(labels.dtype, np.number) or not np.all(np.isfinite(labels)):
        raise DatasetError(f"{path}: y must hold numbers 1..10, got dtype {labels.dtype}")
    integral = np.equal(np.mod(labels, 1), 0) if np.issubdtype(labels.dtype, np.floating) else True
    bad = np.flatnonzero(~((labels >= 1) & (labels <= 10) & integral))
    if bad.size:
        raise DatasetError(
            f"{path}: label {labels[bad[0]]} at position {int(bad[0])} is outside 1..10 (10 means digit 0); "
            "the file is corrupt or not SVHN"
        )
    labels = labels.astype(np.int64) % 10
    # X is indexed [row, column, channel, image]; the transpose makes it N x C x H x W.
    images = np.ascontiguousarray(pixels.transpose(3, 2, 0, 1))
    return images, labels


def find_files(place: Path) -> dict[str, Path] | None:
    """Return the SVHN files in `place` by name, or None when it has neither train nor test file.

    A folder with only one of the two required files raises DatasetError.
    """
    present = {name: place / name for name in (TRAIN_FILE, TEST_FILE, EXTRA_FILE) if (place / name).is_file()}
    if not present:
        return None
    missing = [name for name in (TRAIN_FILE, TEST_FILE) if name not in present]
    if missing:
        raise DatasetError(
            f"{place}: incomplete SVHN folder, missing {missing}; put {TRAIN_FILE} and {TEST_FILE} there"
        )
    return present


def load_svhn(root: str | os.PathLike[str] | None = None, extra: bool = False) -> RawDataset:
    """Find and read SVHN; with `extra` the 531,131 extra images join the training set."""
    places = candidate_places(FOLDER_NAME, root)
    files = search(places, find_files, root_places(FOLDER_NAME, root), "svhn")
    if files is None:
        raise DatasetError(
            "SVHN not found; looked in:\n"
            f"{format_places(places)}\n"
            f"Put the cropped-digits files {TRAIN_FILE} and {TEST_FILE} (and {EXTRA_FILE} for svhn+extra) "
            "in one of those folders (or in $EAS_DATA_DIR/svhn), or pass root= pointing at them."
        )
    if extra and EXTRA_FILE not in files:
        folder = files[TRAIN_FILE].parent
        raise DatasetError(f"{folder / EXTRA_FILE}: missing; svhn+extra needs {EXTRA_FILE} next to {TRAIN_FILE}")
    train_images, train_labels = read_svhn_mat(files[TRAIN_FILE])
    if extra:
        extra_images, extra_labels = read_svhn_mat(files[EXTRA_FILE])
        train_images = np.concatenate([train_images, extra_images])
        train_labels = np.concatenate([train_labels, extra_labels])
    test_images, test_labels = read_svhn_mat(files[TEST_FILE])
    for images, name in ((train_images, TRAIN_FILE), (test_images, TEST_FILE)):
        if images.shape[0] == 0:
            raise DatasetError(f"{files[name]}: the file holds no images")
    return RawDataset(
        train_images=train_images,
        train_labels=train_labels,
        test_images=test_images,
        test_labels=test_labels,
        num_classes=len(CLASS_NAMES),
        class_names=CLASS_NAMES,
        source=str(files[TRAIN_FILE].parent),
    )
