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
