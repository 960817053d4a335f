"""`stored_dataset_info`: the normalisation a checkpoint stored, or None for one that predates it."""

from __future__ import annotations

from pathlib import Path

import pytest

from eas.data import DatasetInfo
from eas.search.normalisation import stored_dataset_info


def test_a_stored_entry_is_read_back_and_a_missing_one_is_none(tmp_path: Path) -> None:
    info = DatasetInfo(
        name="toy",
        input_shape=(1, 8, 8),
        num_classes=2,
        mean=(0.25,),
        std=(0.5,),
        pad=2,
        flip=False,
        class_names=("a", "b"),
    )
    assert stored_dataset_info({"dataset_info": info.to_dict(), "test_accuracy": 0.9}, tmp_path) == info
    assert stored_dataset_info({"test_accuracy": 0.9}, tmp_path) is None


def test_a_malformed_entry_names_the_file_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"metrics\.json: dataset_info lacks .*delete its 'dataset_info' entry"):
        stored_dataset_info({"dataset_info": {"mean": [0.1]}}, tmp_path / "final")
    with pytest.raises(ValueError, match="must be a JSON object"):
        stored_dataset_info({"dataset_info": [0.1]}, tmp_path)
