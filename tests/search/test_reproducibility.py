"""Same seed and config on CPU: the same trials, accuracies, controller and weights, run after run.

The process pool and Ray executors are held to the same standard in their own tests
(`test_a_search_on_the_pool_gives_the_local_trials_and_survives_a_kill`,
`test_a_search_on_ray_gives_the_local_trials`): each must give the local executor's trials.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from eas.search import run_search
from tests.search.conftest import toy_config
from tests.search.test_loop import stored_trials

# Everything a trial row says about what was proposed and what it scored; ids and timestamps aside.
KEYS = ("trial_id", "arch", "parent_arch", "status", "accuracy_before", "validation_accuracy", "actions_json")
KEYS += ("decisions_json", "cached_from")


def trial_rows(run_dir: Path) -> list[dict]:
    return [{key: row[key] for key in KEYS} for row in stored_trials(run_dir)]


def strategy_state(run_dir: Path) -> dict:
    return torch.load(run_dir / "checkpoint.pt", weights_only=False)


def tensors_equal(left: object, right: object) -> bool:
    """Deep equality of nested dicts/lists of tensors and plain values."""
    if isinstance(left, torch.Tensor) and isinstance(right, torch.Tensor):
        return torch.equal(left, right)
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(tensors_equal(left[key], right[key]) for key in left)
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(tensors_equal(a, b) for a, b in zip(left, right, strict=True))
    return left == right


@pytest.mark.parametrize("strategy", ["rl", "random", "hillclimb"])
def test_the_same_seed_repeats_the_search_exactly(tmp_path: Path, toy_dataset_name: str, strategy: str) -> None:
    config = toy_config(toy_dataset_name, strategy=strategy)
    first = run_search(config, tmp_path / "first")
    second = run_search(config, tmp_path / "second")
    assert trial_rows(tmp_path / "first") == trial_rows(tmp_path / "second")
    assert [row["validation_accuracy"] for row in trial_rows(tmp_path / "first")]  # not two empty runs
    # The controller (rl), its optimizer and baseline, or the strategy's state, and the history.
    assert tensors_equal(strategy_state(tmp_path / "first"), strategy_state(tmp_path / "second"))
    keep = ("mean_accuracy", "max_accuracy", "mean_reward", "best_arch")
    assert [{k: row[k] for k in keep} for row in first.history] == [{k: row[k] for k in keep} for row in second.history]
    # The weights of the start network and of every kept child, byte for byte.
    kept = sorted(path.relative_to(tmp_path / "first") for path in (tmp_path / "first").rglob("*.safetensors"))
    assert kept and kept == sorted(
        p.relative_to(tmp_path / "second") for p in (tmp_path / "second").rglob("*.safetensors")
    )
    for path in kept:
        assert (tmp_path / "first" / path).read_bytes() == (tmp_path / "second" / path).read_bytes(), path


def test_another_seed_gives_another_search(tmp_path: Path, toy_dataset_name: str) -> None:
    # The check above could pass on a search that ignores its seed; this one could not.
    run_search(toy_config(toy_dataset_name, seed=0), tmp_path / "zero")
    run_search(toy_config(toy_dataset_name, seed=1), tmp_path / "one")
    assert trial_rows(tmp_path / "zero") != trial_rows(tmp_path / "one")
