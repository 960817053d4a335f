"""The executor protocol: the local executor satisfies it, executors never import the search, and each
says what share of the process's compute one of its children trains with."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
import torch

from eas.executors import Executor, LocalExecutor, PoolExecutor, RayExecutor
from eas.executors.base import compute_share


def test_local_executor_is_an_executor() -> None:
    executor: Executor = LocalExecutor()
    assert callable(executor.run)


def test_importing_the_executors_does_not_import_the_search() -> None:
    code = "import sys, eas.executors; print(any(name.startswith('eas.search') for name in sys.modules))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert output.strip() == "False"


@pytest.fixture
def four_threads() -> Iterator[None]:
    """This process set to 4 torch threads (the final training's), restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(4)
    yield
    torch.set_num_threads(before)


def test_each_executor_says_what_share_of_the_process_a_child_trains_with(four_threads: None) -> None:
    # Constructing these starts no worker and connects to no cluster.
    assert compute_share(LocalExecutor()) == 1.0
    assert compute_share(LocalExecutor(threads=1)) == 0.25
    assert compute_share(LocalExecutor(threads=8)) == 1.0
    assert compute_share(PoolExecutor(workers=2, threads_per_worker=2, gpus=0)) == 0.5
    assert compute_share(PoolExecutor(workers=2, gpus=2)) == 1.0  # one child per GPU
    assert compute_share(PoolExecutor(workers=4, gpus=2)) == 0.5  # two children per GPU
    assert compute_share(RayExecutor(cpus_per_child=1)) == 0.25
    assert compute_share(RayExecutor(cpus_per_child=1, gpus_per_child=0.5)) == 0.5
    assert compute_share(object()) == 1.0  # an executor that does not say: its children are taken at face value
