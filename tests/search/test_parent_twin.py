"""`parent_twin`: the first episode of each stage also fine-tunes the stage's start network unchanged,
so that the start competes with its children on equal terms; the strategy never learns from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from eas.checkpoint import load_metrics
from eas.search import run_search
from eas.search.run import best_kept_trial, load_network
from eas.search.rundir import RunDirectory
from eas.search.store import OK, TrialStore
from tests.search.conftest import stored_trials, toy_config


def assert_same_state(first: object, second: object) -> None:
    """Nested strategy states equal, tensors exactly."""
    if isinstance(first, torch.Tensor):
        assert isinstance(second, torch.Tensor) and torch.equal(first, second)
    elif isinstance(first, dict):
        assert isinstance(second, dict) and first.keys() == second.keys()
        for key in first:
            assert_same_state(first[key], second[key])
    elif isinstance(first, list | tuple):
        assert isinstance(second, list | tuple) and len(first) == len(second)
        for one, other in zip(first, second, strict=True):
            assert_same_state(one, other)
    else:
        assert first == second


def test_the_twin_is_the_start_network_unchanged_after_the_strategys_children(tmp_path: Path, toy_dataset_name: str):
    config = toy_config(toy_dataset_name, parent_twin=True, widen_noise=0.0, deepen_noise=0.0)
    summary = run_search(config, tmp_path / "run")
    rows = stored_trials(tmp_path / "run")
    start = rows[0]
    first = [row for row in rows if row["episode"] == 0]
    second = [row for row in rows if row["episode"] == 1]
    assert [row["slot"] for row in first] == [0, 1, 2, 3]  # the smoke preset's 3 children, then the twin
    assert len(second) == 3  # one stage: only its first episode has a twin
    twin = first[-1]
    assert twin["arch"] == start["arch"] and twin["parent_trial"] is None
    assert json.loads(twin["actions_json"]) == [] and twin["decisions_json"] in (None, "null")
    assert twin["status"] == OK and twin["cached_from"] is None
    # Unchanged: before its fine-tune it scores exactly what the start network scored.
    assert twin["accuracy_before"] == pytest.approx(start["validation_accuracy"], abs=1e-9)
    # The episode's figures are the strategy's children's; the twin is reported beside them.
    row = summary.history[0]
    children = [r["validation_accuracy"] for r in first[:-1] if r["status"] == OK]
    assert row["networks"] == 3 and row["max_accuracy"] == max(children)
    assert row["twin_accuracy"] == twin["validation_accuracy"]
    assert row["growth_gain"] == pytest.approx(max(children) - twin["validation_accuracy"])
    assert "twin_accuracy" not in summary.history[1]
    assert "fine-tuned unchanged" in (tmp_path / "run" / "search.log").read_text()


def test_an_episode_cut_by_the_budget_still_logs_what_growth_gained(tmp_path: Path, toy_dataset_name: str):
    # The twin trains first, then two of the three children; the third is never trained.
    config = toy_config(toy_dataset_name, parent_twin=True, episodes=None, max_networks=3)
    events: list[tuple[str, dict]] = []
    summary = run_search(config, tmp_path / "run", on_event=lambda kind, payload: events.append((kind, payload)))
    assert summary.episodes_completed == 0
    rows = [row for row in stored_trials(tmp_path / "run") if row["episode"] == 0]
    twin = next(row for row in rows if json.loads(row["actions_json"]) == [])
    children = [row["validation_accuracy"] for row in rows if row is not twin and row["status"] == OK]
    assert twin["status"] == OK and len(children) == 2
    log = (tmp_path / "run" / "search.log").read_text()
    line = next(line for line in log.splitlines() if "fine-tuned unchanged" in line)
    assert f"best child {max(children):.4f}" in line
    assert line.endswith("(the budget cut the episode: 2 of 3 children scored)")
    # The same figures reach the printed view (an event), not only the log.
    cut = next(payload for kind, payload in events if kind == "episode_cut")
    assert (cut["episode"], cut["children"], cut["scored"]) == (0, 3, 2)
    assert cut["twin_accuracy"] == twin["validation_accuracy"]
    assert cut["growth_gain"] == pytest.approx(max(children) - twin["validation_accuracy"])


def test_the_controller_learns_exactly_what_it_learns_without_the_twin(tmp_path: Path, toy_dataset_name: str):
    states = {}
    for twin in (False, True):
        run_dir = tmp_path / f"twin-{twin}"
        run_search(toy_config(toy_dataset_name, parent_twin=twin, episodes=1), run_dir)
        states[twin] = RunDirectory(run_dir).load_progress()
        rows = [row for row in stored_trials(run_dir) if row["episode"] == 0]
        assert len(rows) == 3 + twin
    assert states[False][0] == states[True][0] == 1
    assert_same_state(states[False][1], states[True][1])


def test_each_stage_twins_its_own_start(tmp_path: Path, toy_dataset_name: str):
    config = toy_config(toy_dataset_name, parent_twin=True, restart_every=1, episodes=2)
    run_search(config, tmp_path / "run")
    rows = stored_trials(tmp_path / "run")
    stage_one = [row for row in rows if row["episode"] == 1]
    twin = stage_one[-1]
    assert len(stage_one) == 4 and json.loads(twin["actions_json"]) == []
    # Stage 1 starts from the best network of episode 0 (None: the run's start network, which wins ties
    # on this toy task); its twin is that network, unchanged.
    stage_start = load_metrics(tmp_path / "run" / "stages" / "stage-1").get("trial_id")
    assert twin["parent_trial"] == stage_start
    parent = rows[0] if stage_start is None else next(row for row in rows if row["trial_id"] == stage_start)
    assert twin["arch"] == parent["arch"]


def test_a_kept_twin_can_be_chosen_and_loaded_as_the_final_network(tmp_path: Path, toy_dataset_name: str):
    config = toy_config(toy_dataset_name, parent_twin=True, episodes=1, keep_best=10)
    run_search(config, tmp_path / "run")
    directory = RunDirectory(tmp_path / "run")
    store = TrialStore(directory.store_path)
    try:
        twin = store.trials(0)[-1]
        # The score the final training ranks by, here one that prefers the twin.
        chosen = best_kept_trial(directory, store, lambda trial: float(trial.trial_id == twin.trial_id))
    finally:
        store.close()
    assert chosen is not None and chosen.trial_id == twin.trial_id
    network = load_network(directory, chosen)
    start_spec, start_state, _ = directory.load_start()
    assert network.trial_id == twin.trial_id and network.spec.to_string() == start_spec.to_string()
    assert network.state.keys() == start_state.keys()
    assert any(not torch.equal(network.state[key], start_state[key]) for key in start_state)  # fine-tuned


def test_a_resumed_run_keeps_its_twin_and_adds_none(tmp_path: Path, toy_dataset_name: str):
    run_search(toy_config(toy_dataset_name, parent_twin=True, episodes=1), tmp_path / "run")
    before = stored_trials(tmp_path / "run")
    summary = run_search(toy_config(toy_dataset_name, parent_twin=True, episodes=2), tmp_path / "run")
    after = stored_trials(tmp_path / "run")
    assert summary.episodes_completed == 2
    assert after[: len(before)] == before
    assert len(after) == len(before) + 3
