"""Random images in CIFAR-10's official python format, full size, for timing the paper's presets.

CIFAR-10 cannot be downloaded on the machines this project is measured on, but the paper's presets
should still be timed there (a GPU run measures speed, not the paper's accuracy). This writes
`data_batch_1..5` and `test_batch` (10,000 images each, uint8 pixels, labels 0..9, the dict the official
pickles hold) into a `cifar-10-batches-py` folder that `--data-root` accepts. Accuracy on it means
nothing: the labels are random.

    python bench/synthetic_cifar10.py /tmp/cifar
    eas search --preset paper-cifar10 --data-root /tmp/cifar --device cuda ...
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

import numpy as np

IMAGES_PER_BATCH = 10_000
PIXELS = 3 * 32 * 32
BATCHES = (*(f"data_batch_{index}" for index in range(1, 6)), "test_batch")


def write(root: Path, seed: int = 0, images_per_batch: int = IMAGES_PER_BATCH) -> Path:
    """Write the six batches under `root/cifar-10-batches-py`; return that folder (`images_per_batch`
    below the official 10,000 for tests)."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for name in BATCHES:
        batch = {
            b"batch_label": name.encode(),
            b"labels": [int(label) for label in rng.integers(0, 10, images_per_batch)],
            b"data": rng.integers(0, 256, (images_per_batch, PIXELS), dtype=np.uint8),
            b"filenames": [f"{name}_{index}.png".encode() for index in range(images_per_batch)],
        }
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("root", type=Path, help="folder to write cifar-10-batches-py into")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(write(args.root, args.seed))


if __name__ == "__main__":
    main()
