"""CIFAR-10 reader: the python (pickled) and binary versions, as a folder or the official tar.gz.

Accepted forms for each searched place: the batch folder itself, a parent holding
`cifar-10-batches-py` / `cifar-10-batches-bin`, or `cifar-10-python.tar.gz` /
`cifar-10-binary.tar.gz` (members are read straight from the archive, nothing is extracted).
"""

from __future__ import annotations

import os
import tarfile
import zlib
from pathlib import Path
from typing import Final

import numpy as np

from eas.data.locate import candidate_places, format_places, root_places, search
from eas.data.safe_pickle import restricted_loads
from eas.data.types import DatasetError, RawDataset

FOLDER_NAME: Final = "cifar10"
CLASS_NAMES: Final = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
PYTHON_BATCHES: Final = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch")
BINARY_BATCHES: Final = (*(f"data_batch_{i}.bin" for i in range(1, 6)), "test_batch.bin")
_PIXELS: Final = 3 * 32 * 32
_RECORD: Final = 1 + _PIXELS  # binary version: one label byte, then the 3072 pixel bytes
_ARCHIVES: Final = ("cifar-10-python.tar.gz", "cifar-10-binary.tar.gz")


def parse_python_batch(data: bytes, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Parse one pickled batch into (uint8 N x 3 x 32 x 32 images, int64 labels)."""
    batch = restricted_loads(data, source)
    if not isinstance(batch, dict):
        raise DatasetError(f"{source}: expected a pickled dict, got {type(batch).__name__}; not a CIFAR-10 batch")
    # Official batches come from Python 2 (bytes keys); accept str keys from re-pickled copies too.
    entries = {key.decode("latin1") if isinstance(key, bytes) else key: value for key, value in batch.items()}
    missing = [key for key in ("data", "labels") if key not in entries]
    if missing:
        raise DatasetError(
            f"{source}: the batch dict lacks {missing} (has {sorted(map(str, entries))}); not a CIFAR-10 batch"
        )
    pixels = entries["data"]
    if (
        not isinstance(pixels, np.ndarray)
        or pixels.dtype != np.uint8
        or pixels.ndim != 2
        or (pixels.shape[1] != _PIXELS)
    ):
        shape = getattr(pixels, "shape", None)
        raise DatasetError(f"{source}: 'data' must be a uint8 N x {_PIXELS} array, got {type(pixels).__name__} {shape}")
    try:
        labels = np.asarray(entries["labels"])
    except (TypeError, ValueError) as error:
        raise DatasetError(f"{source}: 'labels' is not a list of integers ({error})") from error
    if labels.ndim != 1 or (labels.size and not np.issubdtype(labels.dtype, np.integer)):
        raise DatasetError(f"{source}: 'labels' must be a flat list of integers, got {labels.dtype} {labels.shape}")
    if labels.shape[0] != pixels.shape[0]:
        raise DatasetError(f"{source}: {pixels.shape[0]} images but {labels.shape[0]} labels")
    labels = labels.astype(np.int64)
    _check_labels(labels, source)
    return pixels.reshape(-1, 3, 32, 32), labels


def parse_binary_batch(data: bytes, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Parse one binary batch (records of 1 label byte + 3072 pixel bytes)."""
    if len(data) == 0 or len(data) % _RECORD != 0:
        raise DatasetError(
            f"{source}: size {len(data)} bytes is not a positive multiple of the {_RECORD}-byte record; "
            "the file is truncated or not a CIFAR-10 binary batch, fetch it again"
        )
    records = np.frombuffer(data, dtype=np.uint8).reshape(-1, _RECORD)
    labels = records[:, 0].astype(np.int64)
    _check_labels(labels, source)
    return records[:, 1:].reshape(-1, 3, 32, 32), labels


def _check_labels(labels: np.ndarray, source: str) -> None:
    bad = np.flatnonzero((labels < 0) | (labels >= len(CLASS_NAMES)))
    if bad.size:
        raise DatasetError(
            f"{source}: label {int(labels[bad[0]])} at position {int(bad[0])} is outside 0..9; "
            "the file is corrupt or not CIFAR-10"
        )


def _read_folder(folder: Path, names: tuple[str, ...]) -> dict[str, tuple[bytes, str]]:
    """Return name -> (contents, path for messages) for every batch in `folder`."""
    batches: dict[str, tuple[bytes, str]] = {}
    for name in names:
        path = folder / name
        if not path.is_file():
            raise DatasetError(f"{path}: missing CIFAR-10 batch; the folder needs {', '.join(names)}")
        try:
            batches[name] = (path.read_bytes(), str(path))
        except OSError as error:
            raise DatasetError(f"{path}: cannot read the file ({error})") from error
    return batches


def _read_archive(archive: Path) -> tuple[str, dict[str, tuple[bytes, str]]]:
    """Return (version, name -> (contents, member for messages)) for the batches in a tar archive.

    The archive is read in one sequential pass ("r|*"): a gzip stream cannot seek back without
    decompressing again from the start, and the official archives are not in batch order.
    """
    wanted = set(PYTHON_BATCHES) | set(BINARY_BATCHES)
    found: dict[str, tuple[bytes, str]] = {}
    try:
        with tarfile.open(archive, "r|*") as tar:
            for member in tar:
                name = Path(member.name).name
                stream = tar.extractfile(member) if member.isfile() and name in wanted else None
                if stream is not None:
                    found[name] = (stream.read(), f"{archive}:{member.name}")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
        raise DatasetError(
            f"{archive}: cannot read the tar archive ({type(error).__name__}: {error}); it is truncated "
            "or corrupt, fetch it again"
        ) from error
    if any(name in found for name in PYTHON_BATCHES):
        version, names = "python", PYTHON_BATCHES
    elif any(name in found for name in BINARY_BATCHES):
        version, names = "binary", BINARY_BATCHES
    else:
        raise DatasetError(f"{archive}: the archive holds no CIFAR-10 batches (data_batch_1.., test_batch)")
    missing = [name for name in names if name not in found]
    if missing:
        raise DatasetError(f"{archive}: the archive has no member {', '.join(missing)}; it needs {', '.join(names)}")
    return version, {name: found[name] for name in names}


def probe(place: Path) -> tuple[str, Path] | None:
    """Return (form, path) for CIFAR-10 data at `place`, or None when there is none.

    form is 'python-folder', 'binary-folder' or 'archive'. A folder holding batches of the
    python version wins over the binary version, and extracted folders over archives.
    """
    if place.is_file():
        if place.name.endswith((".tar.gz", ".tgz", ".tar")):
            return "archive", place
        raise DatasetError(f"{place}: not a CIFAR-10 source; give the batch folder, its parent or the official .tar.gz")
    if not place.is_dir():
        return None
    for folder in (place, place / "cifar-10-batches-py", place / "cifar-10-batches-bin"):
        if any((folder / name).is_file() for name in PYTHON_BATCHES):
            return "python-folder", folder
        if any((folder / name).is_file() for name in BINARY_BATCHES):
            return "binary-folder", folder
    for archive_name in _ARCHIVES:
        if (place / archive_name).is_file():
            return "archive", place / archive_name
    return None


def load_cifar10(root: str | os.PathLike[str] | None = None) -> RawDataset:
    """Find and read CIFAR-10: 50,000 train and 10,000 test 3 x 32 x 32 images (never downloaded)."""
    places = candidate_places(FOLDER_NAME, root)
    found = search(places, probe, root_places(FOLDER_NAME, root), "cifar10")
    if found is None:
        raise DatasetError(
            "CIFAR-10 not found; looked in:\n"
            f"{format_places(places)}\n"
            "Put one of these in one of those folders (or in $EAS_DATA_DIR/cifar10): the official "
            "cifar-10-python.tar.gz or cifar-10-binary.tar.gz, the extracted cifar-10-batches-py folder "
            f"({', '.join(PYTHON_BATCHES)}) or cifar-10-batches-bin ({', '.join(BINARY_BATCHES)}); "
            "or pass root= pointing at one of them."
        )
    form, path = found
    if form == "archive":
        version, batches = _read_archive(path)
    else:
        version = "python" if form == "python-folder" else "binary"
        batches = _read_folder(path, PYTHON_BATCHES if version == "python" else BINARY_BATCHES)
    parse = parse_python_batch if version == "python" else parse_binary_batch
    parts = [parse(data, source) for data, source in batches.values()]
    train = parts[:5]
    return RawDataset(
        train_images=np.concatenate([images for images, _ in train]),
        train_labels=np.concatenate([labels for _, labels in train]),
        test_images=np.ascontiguousarray(parts[5][0]),
        test_labels=parts[5][1],
        num_classes=len(CLASS_NAMES),
        class_names=CLASS_NAMES,
        source=str(path),
    )
