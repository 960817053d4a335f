"""Fixtures for the benchmark scripts under bench/, which import their neighbours as top-level modules."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def bench_module(name: str) -> ModuleType:
    """Import bench/`name`.py with bench/ on the path for as long as the import runs."""
    sys.path.insert(0, str(BENCH))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH))


@pytest.fixture(scope="module")
def equal_budget() -> ModuleType:
    """bench/equal_budget.py."""
    return bench_module("equal_budget")


@pytest.fixture(scope="module")
def final_recipe() -> ModuleType:
    """bench/final_recipe.py."""
    return bench_module("final_recipe")


@pytest.fixture(scope="module")
def flip_average() -> ModuleType:
    """bench/flip_average.py."""
    return bench_module("flip_average")


@pytest.fixture(scope="module")
def frontier() -> ModuleType:
    """bench/growth_frontier.py."""
    return bench_module("growth_frontier")


@pytest.fixture(scope="module")
def rl_vs_random() -> ModuleType:
    """bench/rl_vs_random.py."""
    return bench_module("rl_vs_random")


@pytest.fixture(scope="module")
def results_log() -> ModuleType:
    """bench/results_log.py, the module the other benchmark scripts import (the same module object)."""
    return bench_module("results_log")
