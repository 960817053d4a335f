"""Reader for a user's own dataset stored as one `.npz` file (`npz:PATH` in `load_dataset`).

Required arrays: `x_train`, `y_train`, `x_test`, `y_test`. Optional: `layout` ('NHWC' or 'NCHW'),
`num_classes` (a scalar) and `class_names` (strings). The file is read without pickle.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path
from typing import Final

import numpy as np

from eas.data.types import DatasetError, RawDataset

logger = logging.getLogger(__name__)

REQUIRED_KEYS: Final = ("x_train", "y_train", "x_test", "y_test")
OPTIONAL_KEYS: Final = ("layout", "num_classes", "class_names")
_CHANNEL_COUNTS: Final = (1, 3, 4)


def to_nchw(images: np.ndarray, layout: str | None, path: Path, key: str) -> np.ndarray:
    """Return `images` as N x C x H x W, following the layout rule below.

    - 3-D N x H x W: one channel, becomes N x 1 x H x W.
    - 4-D with an explicit `layout` ('NHWC' or 'NCHW'): as stated, any channel count.
    - 4-D without `layout`: NHWC when the last axis has 1, 3 or 4 entries and axis 1 does not;
      NCHW when axis 1 has 1, 3 or 4 entries and the last axis does not; when both do (e.g.
      N x 3 x 4 x 3) NCHW wins (PyTorch's own layout) and a warning suggests adding `layout`;
      when neither does, DatasetError asks for `layout`.
    """
    if images.ndim == 3:
        return images[:, None, :, :]
    if images.ndim != 4:
        raise DatasetError(f"{path}: {key} must be N x H x W or 4-D (NHWC/NCHW), got shape {images.shape}")
    if layout is None:
        axis1, last = images.shape[1] in _CHANNEL_COUNTS, images.shape[3] in _CHANNEL_COUNTS
        if axis1 and last:
            logger.warning(
                "%s: %s has shape %s, which could be NCHW or NHWC; reading it as NCHW "
                "(add an array layout='NHWC' to the file to say otherwise)",
                path,
                key,
                images.shape,
            )
            layout = "NCHW"
        elif axis1:
            layout = "NCHW"
        elif last:
            layout = "NHWC"
        else:
            raise DatasetError(
                f"{path}: cannot tell the channel axis of {key} with shape {images.shape} (neither axis 1 nor "
                "the last axis has 1, 3 or 4 entries); add an array layout='NHWC' or layout='NCHW' to the file"
            )
    return images if layout == "NCHW" else images.transpose(0, 3, 1, 2)


def _read_layout(value: np.ndarray, path: Path) -> str:
    text = str(value.item() if value.ndim == 0 or value.size == 1 else value).upper()
    if text not in ("NHWC", "NCHW"):
        raise DatasetError(f"{path}: layout must be 'NHWC' or 'NCHW', got {text!r}")
    return text


def _read_labels(labels: np.ndarray, count: int, path: Path, key: str) -> np.ndarray:
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise DatasetError(f"{path}: {key} must be a 1-D array of labels, got shape {labels.shape}")
    if labels.shape[0] != count:
        image_key = "x" + key[1:]
        raise DatasetError(f"{path}: {image_key} has {count} images but {key} has {labels.shape[0]} labels")
    if not np.issubdtype(labels.dtype, np.integer):
        raise DatasetError(
            f"{path}: {key} has dtype {labels.dtype}; labels must be integers >= 0 (convert with y.astype(np.int64))"
        )
    if labels.size and int(labels.min()) < 0:
        raise DatasetError(f"{path}: {key} holds the negative label {int(labels.min())}; labels must be >= 0")
    return labels.astype(np.int64)


def load_npz(path: str | Path) -> RawDataset:
    """Read a dataset from an `.npz` file with `x_train`, `y_train`, `x_test`, `y_test` (see module doc).

    Images must be uint8 (0..255) and are converted to N x C x H x W by `to_nchw`. `num_classes` is
    the `num_classes` array when present (it must exceed every label), else the largest label + 1.
    """
    file_path = Path(path).expanduser()
    arrays = _read_arrays(file_path)
    layout = _read_layout(arrays["layout"], file_path) if "layout" in arrays else None
    train_images, train_labels = _read_part(arrays, "train", layout, file_path)
    test_images, test_labels = _read_part(arrays, "test", layout, file_path)
    if train_images.shape[1:] != test_images.shape[1:]:
        raise DatasetError(
            f"{file_path}: train images are C x H x W = {train_images.shape[1:]} but test images are "
            f"{test_images.shape[1:]}; both must have the same shape"
        )
    largest = max(int(train_labels.max()), int(test_labels.max()))
    num_classes = _read_num_classes(arrays, largest, file_path)
    return RawDataset(
        train_images=train_images,
        train_labels=train_labels,
        test_images=test_images,
        test_labels=test_labels,
        num_classes=num_classes,
        class_names=_read_class_names(arrays, num_classes, file_path),
        source=str(file_path),
    )


def _read_arrays(file_path: Path) -> dict[str, np.ndarray]:
    """The required and optional arrays of the archive at `file_path`, after checking none is missing."""
    if not file_path.is_file():
        raise DatasetError(f"{file_path}: no such file; npz:PATH must name an existing .npz file")
    try:
        # Our own handle: np.load leaks the one it opens when the zip directory is corrupt.
        with open(file_path, "rb") as handle:
            loaded = np.load(handle, allow_pickle=False)
            if not isinstance(loaded, np.lib.npyio.NpzFile):
                raise DatasetError(
                    f"{file_path}: this is a single .npy array, not an .npz archive; write the dataset with "
                    "np.savez(path, x_train=..., y_train=..., x_test=..., y_test=...)"
                )
            with loaded as archive:
                arrays = {key: archive[key] for key in archive.files if key in REQUIRED_KEYS + OPTIONAL_KEYS}
    except DatasetError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise DatasetError(
            f"{file_path}: cannot read the file as .npz ({type(error).__name__}: {error}); write it with "
            "np.savez(path, x_train=..., y_train=..., x_test=..., y_test=...) and plain (non-object) arrays"
        ) from error
    missing = [key for key in REQUIRED_KEYS if key not in arrays]
    if missing:
        raise DatasetError(
            f"{file_path}: missing array(s) {', '.join(missing)}; expected {', '.join(REQUIRED_KEYS)} "
            f"(optional: {', '.join(OPTIONAL_KEYS)})"
        )
    return arrays


def _read_part(
    arrays: dict[str, np.ndarray], part: str, layout: str | None, file_path: Path
) -> tuple[np.ndarray, np.ndarray]:
    """The checked images (contiguous N x C x H x W uint8) and int64 labels of `part` ('train' or 'test')."""
    images = arrays[f"x_{part}"]
    if images.dtype != np.uint8:
        raise DatasetError(
            f"{file_path}: x_{part} has dtype {images.dtype}; images must be uint8 0..255 "
            "(convert with (x * 255).round().astype(np.uint8) for 0..1 floats, or x.astype(np.uint8))"
        )
    images = to_nchw(images, layout, file_path, f"x_{part}")
    if images.shape[0] == 0 or min(images.shape[1:]) < 1:
        raise DatasetError(f"{file_path}: x_{part} is empty (shape {images.shape}); it needs at least 1 image")
    labels = _read_labels(arrays[f"y_{part}"], images.shape[0], file_path, f"y_{part}")
    return np.ascontiguousarray(images), labels


def _read_num_classes(arrays: dict[str, np.ndarray], largest: int, file_path: Path) -> int:
    """The file's `num_classes` when given (it must exceed the `largest` label), else `largest` + 1."""
    if "num_classes" not in arrays:
        return largest + 1
    given = arrays["num_classes"]
    if given.size != 1 or not np.issubdtype(given.dtype, np.integer) or int(given.item()) <= largest:
        raise DatasetError(
            f"{file_path}: num_classes must be one integer larger than every label (max label {largest}), "
            f"got {given.tolist()}"
        )
    return int(given.item())


def _read_class_names(arrays: dict[str, np.ndarray], num_classes: int, file_path: Path) -> tuple[str, ...] | None:
    """The file's `class_names` as Python strings (one per class), or None when it has none."""
    if "class_names" not in arrays:
        return None
    names = arrays["class_names"]
    if names.ndim != 1 or names.shape[0] != num_classes or names.dtype.kind not in "US":
        raise DatasetError(
            f"{file_path}: class_names must be {num_classes} strings (one per class), got {names.dtype} {names.shape}"
        )
    return tuple(str(name.decode() if isinstance(name, bytes) else name) for name in names)
