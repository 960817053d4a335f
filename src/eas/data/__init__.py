"""Datasets for EAS: readers for Fashion-MNIST, CIFAR-10, SVHN and .npz files, splits, augmentation.

`load_dataset(name)` returns a `Dataset` of uint8 image tensors; `normalize` and `augment_batch`
turn batches of them into network inputs on any device.
"""

from eas.data.augment import augment_batch, normalize, random_erase
from eas.data.registry import DATASET_NAMES, load_dataset
from eas.data.splits import DEFAULT_VALIDATION_SIZE
from eas.data.types import Dataset, DatasetError, DatasetInfo, Split

__all__ = [
    "DATASET_NAMES",
    "DEFAULT_VALIDATION_SIZE",
    "Dataset",
    "DatasetError",
    "DatasetInfo",
    "Split",
    "augment_batch",
    "load_dataset",
    "normalize",
    "random_erase",
]
