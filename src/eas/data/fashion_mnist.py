"""Fashion-MNIST: find the four IDX files (or download them once) and read them.

Lookup order: `root`, `root/fashion-mnist`, `$EAS_DATA_DIR`, `$EAS_DATA_DIR/fashion-mnist`,
`~/.cache/eas/fashion-mnist`, `/usr/share/datasets/fashion-mnist` (Debian's
`dataset-fashion-mnist`). Only when none has the files are they downloaded (MD5-checked).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Final

from eas.data.download import download_files
from eas.data.idx import read_idx_images, read_idx_labels
from eas.data.locate import cache_dir, candidate_places, env_data_dir, format_places, root_places, search
from eas.data.types import DatasetError, RawDataset

logger = logging.getLogger(__name__)

FOLDER_NAME: Final = "fashion-mnist"
SYSTEM_PLACES: list[Path] = [Path("/usr/share/datasets/fashion-mnist")]
URL_VARIABLE: Final = "EAS_FASHION_MNIST_URL"
OFFICIAL_URL: Final = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
# MD5 of the official .gz files (as published by Zalando). Debian re-gzips them, so its copies
# have other sums; the sums are only used to check a download.
OFFICIAL_MD5: dict[str, str] = {
    "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
    "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
    "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
    "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
}
FILE_STEMS: Final = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
CLASS_NAMES: Final = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def find_files(folder: Path) -> dict[str, Path] | None:
    """Return the four files in `folder` keyed by stem (`.gz` preferred), or None if it has none.

    A folder holding some but not all of them raises DatasetError naming the missing ones.
    """
    found: dict[str, Path] = {}
    for stem in FILE_STEMS:
        for candidate in (folder / f"{stem}.gz", folder / stem):
            if candidate.is_file():
                found[stem] = candidate
                break
    if not found:
        return None
    missing = [stem for stem in FILE_STEMS if stem not in found]
    if missing:
        raise DatasetError(
            f"{folder}: incomplete Fashion-MNIST folder, missing {', '.join(f'{m}.gz' for m in missing)}; "
            "put all four IDX files there (gzipped or not) or remove the partial copy"
        )
    return found


def download_folder() -> Path:
    """Where a download goes: `$EAS_DATA_DIR/fashion-mnist` when set, else `~/.cache/eas/fashion-mnist`."""
    env_dir = env_data_dir()
    if env_dir is not None:
        return env_dir / FOLDER_NAME
    return cache_dir(FOLDER_NAME)


def download_fashion_mnist(
    destination: Path,
    base_url: str = OFFICIAL_URL,
    checksums: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> dict[str, Path]:
    """Download the four Fashion-MNIST files into `destination`, checking their MD5 sums.

    `checksums` defaults to the official sums. Returns the files keyed by stem; raises
    DatasetError (and leaves nothing behind) when any file fails.
    """
    download_files(base_url, OFFICIAL_MD5 if checksums is None else checksums, destination, timeout)
    found = find_files(destination)
    if found is None:
        raise DatasetError(f"{destination}: the download finished but the files are not there")
    return found


def load_fashion_mnist(root: str | os.PathLike[str] | None = None) -> RawDataset:
    """Find (or download) and read Fashion-MNIST: 60,000 train and 10,000 test 1 x 28 x 28 images."""
    places = candidate_places(FOLDER_NAME, root, SYSTEM_PLACES)
    files = search(places, find_files, root_places(FOLDER_NAME, root), "fashion-mnist")
    if files is None:
        destination = download_folder()
        base_url = os.environ.get(URL_VARIABLE, "").strip() or OFFICIAL_URL
        try:
            files = download_fashion_mnist(destination, base_url, OFFICIAL_MD5)
        except DatasetError as error:
            raise DatasetError(
                "Fashion-MNIST not found; looked in:\n"
                f"{format_places(places)}\n"
                f"and the download from {base_url} into {destination} failed: {error}\n"
                "To fix: `apt-get install dataset-fashion-mnist`, or put the four files "
                f"({', '.join(OFFICIAL_MD5)}) in one of the folders above or in a folder named by "
                "$EAS_DATA_DIR."
            ) from error
    folder = files[FILE_STEMS[0]].parent
    train_images = read_idx_images(files["train-images-idx3-ubyte"])
    train_labels = read_idx_labels(files["train-labels-idx1-ubyte"], len(CLASS_NAMES))
    test_images = read_idx_images(files["t10k-images-idx3-ubyte"])
    test_labels = read_idx_labels(files["t10k-labels-idx1-ubyte"], len(CLASS_NAMES))
    for images, labels, image_file, label_file in (
        (train_images, train_labels, "train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
        (test_images, test_labels, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
    ):
        if images.shape[0] != labels.shape[0]:
            raise DatasetError(
                f"{files[image_file]} has {images.shape[0]} images but {files[label_file]} has "
                f"{labels.shape[0]} labels; one of the files is from another copy, fetch both again"
            )
    if train_images.shape[1:] != test_images.shape[1:]:
        raise DatasetError(
            f"{files['train-images-idx3-ubyte']} holds {train_images.shape[2:]} images but "
            f"{files['t10k-images-idx3-ubyte']} holds {test_images.shape[2:]}; the files are from different datasets"
        )
    if train_images.shape[0] == 0 or test_images.shape[0] == 0:
        raise DatasetError(f"{folder}: the training or test IDX file holds no images")
    return RawDataset(
        train_images=train_images,
        train_labels=train_labels,
        test_images=test_images,
        test_labels=test_labels,
        num_classes=len(CLASS_NAMES),
        class_names=CLASS_NAMES,
        source=str(folder),
    )
