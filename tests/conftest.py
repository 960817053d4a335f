"""Suite-wide settings: torch runs on one thread for the whole session, because the test networks are
tiny and intra-op threads only add contention (several times slower on a busy 2-core machine)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch

from tests.toy_data import write_toy_npz


@pytest.fixture(autouse=True, scope="session")
def single_torch_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def toy_dataset_name(tmp_path: Path) -> str:
    """`npz:PATH` of a freshly written toy dataset."""
    return f"npz:{write_toy_npz(tmp_path / 'toy.npz')}"


@pytest.fixture(scope="session")
def found_run(tmp_path_factory: pytest.TempPathFactory):
    """One `eas.find_network` job on toy arrays with the `smoke` preset (a few seconds), shared by the
    tests of find_network and of the commands that read runs (trials, export, predict)."""
    from eas.find import find_network
    from tests.toy_data import toy_arrays

    x_train, y_train, x_test, y_test = toy_arrays(train=240, test=40, size=8)
    return find_network(
        x_train,
        y_train,
        x_test=x_test,
        y_test=y_test,
        class_names=["top-left", "top-right", "bottom-left", "bottom-right"],
        time_budget=None,
        run_dir=tmp_path_factory.mktemp("found") / "run",
        preset="smoke",
        seed=0,
        episodes=1,
        validation_size=40,
    )
