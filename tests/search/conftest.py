"""The toy dataset as a fixture and a seconds-long search config for the search tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from eas.search import SearchConfig, preset
from tests.toy_data import write_toy_npz


@pytest.fixture
def toy_dataset_name(tmp_path: Path) -> str:
    """`npz:PATH` of a freshly written toy dataset."""
    return f"npz:{write_toy_npz(tmp_path / 'toy.npz')}"


def toy_config(dataset: str, **overrides: object) -> SearchConfig:
    """The `smoke` preset on the toy dataset: tiny networks trained in well under a second each."""
    return preset("smoke", dataset=dataset, **overrides)
