"""Slow: a short real search on Fashion-MNIST must find a network better than its start network."""

from __future__ import annotations

from pathlib import Path

import pytest

from eas.data import DatasetError
from eas.search import preset, run_search
from eas.search.config import load_search_data


@pytest.mark.slow
def test_fashion_cpu_search_improves_on_its_start_network(tmp_path: Path) -> None:
    config = preset("fashion-cpu", time_budget=180.0, networks_per_episode=3)
    try:
        data = load_search_data(config)
    except DatasetError as error:
        pytest.skip(f"Fashion-MNIST is not available: {error}")
    summary = run_search(config, tmp_path / "run", data=data)
    assert summary.best is not None and summary.start_accuracy is not None
    assert summary.networks_trained >= 3
    assert summary.best.episode >= 0, "no child beat the start network"
    assert summary.best.validation_accuracy is not None
    assert summary.best.validation_accuracy > summary.start_accuracy + 0.003
