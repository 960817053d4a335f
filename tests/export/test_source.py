"""load_trained: the network of a run or checkpoint, with the statistics its training normalised with."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch

from eas.checkpoint import DATASET_INFO_KEY, load_checkpoint
from eas.data import DatasetInfo, load_dataset
from eas.export import load_trained
from eas.search import SearchRun
from eas.search.config import load_search_data
from eas.search.rundir import RunDirectory
from eas.search.store import TrialStore
from tests.export.conftest import ARCH, write_checkpoint


def test_a_checkpoint_brings_the_statistics_of_its_dataset_and_hold_out(toy_checkpoint) -> None:
    folder, dataset = toy_checkpoint
    trained = load_trained(folder)
    expected = load_dataset(dataset, validation_size=20, seed=0).info
    assert trained.info.mean == expected.mean and trained.info.std == expected.std
    assert trained.spec.to_string() == ARCH and trained.test_accuracy == 0.5
    # Another hold-out gives other statistics, so the recorded one is what was used.
    assert load_dataset(dataset, validation_size=60, seed=0).info.mean != expected.mean


def test_a_run_gives_its_final_network(found_run) -> None:
    trained = load_trained(found_run.run_dir)
    final_spec, final_state, metrics = load_checkpoint(RunDirectory(found_run.run_dir).final_dir)
    assert trained.spec == final_spec and trained.test_accuracy == metrics["test_accuracy"]
    assert all(torch.equal(trained.state[key], final_state[key]) for key in final_state)
    assert trained.info.class_names == found_run.class_names
    assert "final network" in trained.origin


def test_a_run_without_final_network_gives_its_best_trial(found_run, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(found_run.run_dir, copy)
    shutil.rmtree(RunDirectory(copy).final_dir)
    # The copied config still names the original's dataset file, which is where the statistics come from.
    trained = load_trained(copy)
    assert trained.origin.startswith("trial ") and trained.test_accuracy is None
    assert trained.info.class_names == found_run.class_names


def test_a_trial_folder_inside_a_run_uses_the_run_dataset(found_run) -> None:
    (trial_folder,) = sorted((found_run.run_dir / "networks").iterdir())[:1]
    trained = load_trained(trial_folder)
    assert trained.info == load_trained(found_run.run_dir).info


def test_neither_run_nor_checkpoint_is_refused_naming_both(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"neither a search run directory .* nor a checkpoint folder"):
        load_trained(tmp_path / "missing")


def test_a_checkpoint_without_dataset_outside_a_run_is_refused(tmp_path: Path) -> None:
    folder = write_checkpoint(tmp_path / "bare", ARCH, (1, 8, 8), {})
    with pytest.raises(ValueError, match="names no dataset"):
        load_trained(folder)


def test_a_run_with_no_trained_network_is_refused(found_run, tmp_path: Path) -> None:
    root = tmp_path / "empty-run"
    root.mkdir()
    shutil.copy(found_run.run_dir / "config.json", root / "config.json")
    TrialStore(root / "trials.sqlite").close()
    assert json.loads((root / "config.json").read_text())["dataset"].startswith("npz:")
    with pytest.raises(ValueError, match="no trained network yet"):
        load_trained(root)


def test_a_checkpoint_with_stored_statistics_needs_no_dataset(toy_checkpoint, tmp_path: Path) -> None:
    _, dataset = toy_checkpoint
    info = load_dataset(dataset, validation_size=20, seed=0).info
    # The dataset file is gone (a model shipped to another machine): the stored statistics are enough.
    metrics = {"dataset": "npz:/nowhere/gone.npz", DATASET_INFO_KEY: info.to_dict(), "test_accuracy": 0.5}
    shipped = write_checkpoint(tmp_path / "shipped", ARCH, (1, 8, 8), metrics)
    trained = load_trained(shipped)
    assert trained.info == info and trained.test_accuracy == 0.5


def test_malformed_stored_statistics_are_refused_naming_the_file(tmp_path: Path) -> None:
    folder = write_checkpoint(tmp_path / "bad", ARCH, (1, 8, 8), {DATASET_INFO_KEY: {"name": "toy"}})
    with pytest.raises(ValueError, match=r"bad/metrics.json: dataset_info lacks input_shape.*delete its"):
        load_trained(folder)


def test_a_run_stores_its_statistics_in_its_checkpoints(found_run) -> None:
    directory = RunDirectory(found_run.run_dir)
    # Measured from the run's dataset, not read back from what the checkpoints stored.
    expected = load_search_data(SearchRun(found_run.run_dir).config).info
    for folder in (directory.final_dir, directory.start_dir):
        _, _, metrics = load_checkpoint(folder)
        assert DatasetInfo.from_dict(metrics[DATASET_INFO_KEY]) == expected
    assert expected.class_names == found_run.class_names
