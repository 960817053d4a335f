"""The input normalisation a checkpoint stored (`dataset_info` in its metrics), read one way for every
consumer: `eas export`, `eas predict` and `eas.find_network`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from eas.checkpoint import DATASET_INFO_KEY, METRICS_FILE
from eas.data import DatasetInfo


def stored_dataset_info(metrics: dict[str, Any], folder: Path) -> DatasetInfo | None:
    """The normalisation stored in a checkpoint's metrics, None for one written before checkpoints stored it.

    Raises `ValueError` naming `folder`'s metrics file and the fix when the entry is malformed.
    """
    if DATASET_INFO_KEY not in metrics:
        return None
    try:
        return DatasetInfo.from_dict(metrics[DATASET_INFO_KEY])
    except ValueError as error:
        raise ValueError(
            f"{folder / METRICS_FILE}: {error}; delete its {DATASET_INFO_KEY!r} entry to measure the statistics "
            "again from the dataset, or write the checkpoint again"
        ) from error
