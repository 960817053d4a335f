"""Two small stored runs, searched once per test session: `smoke` with the REINFORCE controller and a final
training, and `smoke` with random search (no controller), both on the toy dataset."""

from __future__ import annotations

from pathlib import Path

import pytest

from eas.search import preset, run_search
from tests.toy_data import write_toy_npz


@pytest.fixture(scope="session")
def toy_dataset(tmp_path_factory: pytest.TempPathFactory) -> str:
    """`npz:PATH` of a toy dataset shared by the session's runs."""
    return f"npz:{write_toy_npz(tmp_path_factory.mktemp('data') / 'toy.npz')}"


@pytest.fixture(scope="session")
def rl_run(tmp_path_factory: pytest.TempPathFactory, toy_dataset: str) -> Path:
    """A two-episode `smoke` search with the controller, then the final training of its best network."""
    run_dir = tmp_path_factory.mktemp("runs") / "rl"
    run_search(preset("smoke", dataset=toy_dataset, strategy="rl", train_final=True), run_dir)
    return run_dir


@pytest.fixture(scope="session")
def random_run(tmp_path_factory: pytest.TempPathFactory, toy_dataset: str) -> Path:
    """A two-episode `smoke` random search without a final training."""
    run_dir = tmp_path_factory.mktemp("runs") / "random"
    run_search(preset("smoke", dataset=toy_dataset, strategy="random", train_final=False), run_dir)
    return run_dir
