"""Suite-wide settings: torch runs on one thread for the whole session, because the test networks are
tiny and intra-op threads only add contention (several times slower on a busy 2-core machine)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def single_torch_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
