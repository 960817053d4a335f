"""`load_dataset`: maps a dataset name to its reader and augmentation settings.

Names: `fashion-mnist`, `cifar10`, `svhn`, `svhn+extra` and `npz:PATH`. Every name goes through
the same hold-out and statistics step (`splits.make_dataset`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Final

from eas.data.cifar10 import load_cifar10
from eas.data.fashion_mnist import load_fashion_mnist
from eas.data.npz import load_npz
from eas.data.splits import DEFAULT_VALIDATION_SIZE, make_dataset
from eas.data.svhn import load_svhn
from eas.data.types import Dataset, DatasetError, RawDataset

NPZ_PREFIX: Final = "npz:"

Root = str | os.PathLike[str] | None


def _load_svhn_extra(root: Root) -> RawDataset:
    return load_svhn(root, extra=True)


# name -> (reader, crop padding, horizontal flip). Padding/flip follow the EAS paper: CIFAR-10 is
# "C10+" (pad 4 + flip); SVHN is used without augmentation (flipping digits changes their meaning).
_DATASETS: Final[dict[str, tuple[Callable[[Root], RawDataset], int, bool]]] = {
    "fashion-mnist": (load_fashion_mnist, 2, True),
    "cifar10": (load_cifar10, 4, True),
    "svhn": (load_svhn, 0, False),
    "svhn+extra": (_load_svhn_extra, 0, False),
}
DATASET_NAMES: Final = (*_DATASETS, f"{NPZ_PREFIX}PATH")


def load_dataset(
    name: str,
    root: Root = None,
    validation_size: int | float | None = DEFAULT_VALIDATION_SIZE,
    seed: int = 0,
) -> Dataset:
    """Load dataset `name` with a validation split held out from its training set.

    `name` is one of `fashion-mnist`, `cifar10`, `svhn`, `svhn+extra` or `npz:PATH` (a user's
    .npz file; see `eas.data.npz`). `root` is searched first for the files (for `npz:` the path
    names the file and `root` is not used). `validation_size` is an exact count (int) or a fraction
    in (0, 1) of the training set, chosen by a permutation seeded with `seed`; the default 5000 is
    capped to a tenth of the training set when it has fewer than 50,000 images (None means the
    same). Raises DatasetError for an unknown name or any problem with the files, ValueError for
    a validation size that does not fit.
    """
    if name.startswith(NPZ_PREFIX):
        path = name[len(NPZ_PREFIX) :]
        if not path:
            raise DatasetError(f"dataset name {name!r} lacks the file: write npz:/path/to/data.npz")
        raw, pad, flip = load_npz(path), 0, False
    elif name in _DATASETS:
        reader, pad, flip = _DATASETS[name]
        raw = reader(root)
    else:
        raise DatasetError(f"unknown dataset {name!r}; valid names: {', '.join(DATASET_NAMES)}")
    return make_dataset(raw, name, pad, flip, validation_size, seed)
