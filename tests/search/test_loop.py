"""End-to-end searches on a toy dataset: every strategy, budgets, cache, lock, divergence, resume."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from eas.search import RunLockedError, run_search
from eas.search.store import DIVERGED, OK, PENDING, RunLock, TrialStore
from tests.search.conftest import stored_trials, toy_config


@pytest.mark.parametrize("strategy", ["rl", "random", "hillclimb"])
def test_search_runs_end_to_end_and_writes_its_run_directory(tmp_path: Path, toy_dataset_name: str, strategy: str):
    config = toy_config(toy_dataset_name, strategy=strategy)
    summary = run_search(config, tmp_path / "run")
    run_dir = tmp_path / "run"
    assert summary.episodes_completed == 2
    assert summary.stopped_because == "2 episodes done"
    assert summary.start_accuracy is not None and summary.start_accuracy > 0.4  # the toy task is learnable
    rows = stored_trials(run_dir)
    assert len(rows) == 1 + 2 * 3  # the start network and two episodes of three
    assert all(row["status"] in (OK, DIVERGED) for row in rows)
    children = [row for row in rows if row["episode"] >= 0]
    assert all(row["accuracy_before"] is not None for row in children if row["cached_from"] is None)
    assert all(json.loads(row["actions_json"]) for row in children)
    assert summary.best is not None and summary.best.validation_accuracy == max(r["validation_accuracy"] for r in rows)
    for name in ("config.json", "checkpoint.pt", "search.log", "start/weights.safetensors"):
        assert (run_dir / name).is_file(), name
    assert json.loads((run_dir / "config.json").read_text())["strategy"] == strategy
    if strategy == "rl":
        assert all(row["decisions_json"] for row in children)
    assert len(summary.history) == 2 and summary.history[0]["networks"] == 3


def test_inherited_accuracy_matches_the_parent_without_noise(tmp_path: Path, toy_dataset_name: str):
    config = toy_config(toy_dataset_name, strategy="random", widen_noise=0.0, deepen_noise=0.0, episodes=1)
    summary = run_search(config, tmp_path / "run")
    children = [row for row in stored_trials(tmp_path / "run") if row["episode"] == 0 and row["cached_from"] is None]
    assert children
    for row in children:
        assert row["accuracy_before"] == pytest.approx(summary.start_accuracy, abs=1e-9)


def test_repeated_architectures_are_trained_once(tmp_path: Path, toy_dataset_name: str):
    # With one rung to climb and nowhere to insert layers, every child is the same network.
    space = replace(toy_config(toy_dataset_name).action_space, filter_widths=(4, 8), max_weighted_layers=2)
    config = toy_config(toy_dataset_name, strategy="random", action_space=space, wider_actions=3, deeper_actions=1)
    run_search(config, tmp_path / "run")
    rows = stored_trials(tmp_path / "run")
    children = [row for row in rows if row["episode"] >= 0]
    trained = [row for row in children if row["cached_from"] is None]
    by_arch = {}
    for row in trained:
        assert row["arch"] not in by_arch, "an architecture was trained twice"
        by_arch[row["arch"]] = row
    cached = [row for row in children if row["cached_from"] is not None]
    assert cached, "expected cache hits"
    for row in cached:
        original = next(r for r in rows if r["trial_id"] == row["cached_from"])
        assert row["arch"] == original["arch"]
        assert row["validation_accuracy"] == original["validation_accuracy"]
        assert row["train_seconds"] == 0.0


def test_a_diverging_child_is_recorded_and_the_search_goes_on(tmp_path: Path, toy_dataset_name: str):
    config = toy_config(toy_dataset_name, strategy="random", episodes=2)
    config = replace(config, child_training=replace(config.child_training, learning_rate=1e9, warmup_steps=0))
    summary = run_search(config, tmp_path / "run")
    children = [row for row in stored_trials(tmp_path / "run") if row["episode"] >= 0]
    assert summary.episodes_completed == 2
    assert any(row["status"] == DIVERGED for row in children)
    diverged = [row for row in children if row["status"] == DIVERGED and row["cached_from"] is None]
    assert all("NaN" in (row["message"] or "") for row in diverged)
    assert all(row["reward"] == 0.0 for row in diverged)


def test_a_locked_run_directory_is_refused_and_left_intact(tmp_path: Path, toy_dataset_name: str):
    config = toy_config(toy_dataset_name, episodes=1)
    run_search(config, tmp_path / "run")
    before = stored_trials(tmp_path / "run")
    with RunLock(tmp_path / "run"), pytest.raises(RunLockedError):
        run_search(replace(config, episodes=2), tmp_path / "run")
    assert stored_trials(tmp_path / "run") == before


def test_budgets_stop_the_search(tmp_path: Path, toy_dataset_name: str):
    summary = run_search(toy_config(toy_dataset_name, episodes=None, max_networks=4), tmp_path / "a")
    assert summary.networks_trained == 4
    assert summary.stopped_because == "4 networks trained"
    summary = run_search(toy_config(toy_dataset_name, episodes=None, time_budget=1e-3), tmp_path / "b")
    assert summary.stopped_because.startswith("time budget")
    assert summary.networks_trained == 0


def test_rerun_resumes_with_new_budget_and_rejects_other_settings(tmp_path: Path, toy_dataset_name: str):
    run_dir = tmp_path / "run"
    run_search(toy_config(toy_dataset_name, episodes=1), run_dir)
    first = stored_trials(run_dir)
    summary = run_search(toy_config(toy_dataset_name, episodes=2), run_dir)
    second = stored_trials(run_dir)
    assert summary.episodes_completed == 2
    assert second[: len(first)] == first, "finished trials must be kept as they were"
    assert len(second) == len(first) + 3
    with pytest.raises(ValueError, match="networks_per_episode"):
        run_search(toy_config(toy_dataset_name, episodes=3, networks_per_episode=5), run_dir)


def test_no_weight_reuse_trains_children_from_scratch(tmp_path: Path, toy_dataset_name: str):
    run_search(toy_config(toy_dataset_name, weight_reuse=False, episodes=1), tmp_path / "run")
    children = [row for row in stored_trials(tmp_path / "run") if row["episode"] == 0]
    assert children and all(row["accuracy_before"] is None for row in children)
    assert all(row["status"] == OK for row in children)


def test_start_from_a_checkpoint_folder(tmp_path: Path, toy_dataset_name: str):
    first = run_search(toy_config(toy_dataset_name, episodes=1), tmp_path / "first")
    summary = run_search(
        toy_config(toy_dataset_name, episodes=1, start=str(tmp_path / "first" / "start")), tmp_path / "b"
    )
    assert summary.start_accuracy == pytest.approx(first.start_accuracy)
    store = TrialStore(tmp_path / "b" / "trials.sqlite")
    (start,) = store.trials(-1)
    store.close()
    assert "checkpoint" in (start.message or "") and start.status == OK


def test_pending_trials_never_remain_after_a_finished_search(tmp_path: Path, toy_dataset_name: str):
    run_search(toy_config(toy_dataset_name), tmp_path / "run")
    assert all(row["status"] != PENDING for row in stored_trials(tmp_path / "run"))


def test_restart_every_grows_from_the_best_network_of_the_previous_stage(tmp_path: Path, toy_dataset_name: str):
    config = toy_config(toy_dataset_name, strategy="random", restart_every=1, episodes=3)
    run_search(config, tmp_path / "run")
    rows = stored_trials(tmp_path / "run")
    for episode in (1, 2):
        earlier = [r for r in rows if 0 <= r["episode"] < episode and r["status"] == OK]
        best = max(earlier, key=lambda r: (r["validation_accuracy"], -r["trial_id"]))
        parents = {r["parent_trial"] for r in rows if r["episode"] == episode}
        start_accuracy = rows[0]["validation_accuracy"]
        expected = best["trial_id"] if best["validation_accuracy"] > start_accuracy else None
        assert parents == {expected}
        assert (tmp_path / "run" / "stages" / f"stage-{episode}" / "weights.safetensors").is_file()
