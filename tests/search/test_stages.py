"""Stage restarts: the best network so far starts the next stage, trained longer with `stage_training`
(stored as a trial of episode -1 whose weights live in stages/), and a resume never trains it again."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import torch

from eas.build import build_model
from eas.checkpoint import load_metrics
from eas.data import load_dataset
from eas.search import TrialStore, run_search
from eas.search.config import load_search_data
from eas.search.run import Network
from eas.search.rundir import RunDirectory
from eas.search.stages import stage_begins, stage_of, stage_start
from eas.search.trial import START_EPISODE
from eas.spec import NetSpec
from tests.search.conftest import toy_config


def test_stage_of_counts_restarts() -> None:
    config = toy_config("npz:unused", restart_every=2)
    assert [stage_of(config, episode) for episode in range(5)] == [0, 0, 1, 1, 2]
    assert stage_of(toy_config("npz:unused"), 7) == 0


def test_stage_begins_at_episode_zero_and_at_each_restart() -> None:
    config = toy_config("npz:unused", restart_every=2)
    assert [stage_begins(config, episode) for episode in range(5)] == [True, False, True, False, True]
    assert [stage_begins(toy_config("npz:unused"), episode) for episode in range(3)] == [True, False, False]


def test_stage_training_trains_the_best_network_longer_and_children_grow_from_it(
    tmp_path: Path, toy_dataset_name: str
) -> None:
    base = toy_config(toy_dataset_name, strategy="random", restart_every=1, episodes=2)
    config = replace(base, stage_training=replace(base.child_training, epochs=2))
    run_search(config, tmp_path / "run")
    store = TrialStore(tmp_path / "run" / "trials.sqlite")
    starts = store.trials(START_EPISODE)
    children = store.trials(1)
    store.close()
    assert [trial.slot for trial in starts] == [0, 1]
    stage = starts[1]
    assert stage.message is not None and "trained 2 more epochs" in stage.message
    assert {child.parent_trial for child in children} == {stage.trial_id}
    assert (tmp_path / "run" / "stages" / "stage-1" / "weights.safetensors").is_file()
    # The stage's checkpoint carries its input normalisation, so the folder exports on its own.
    stored = load_metrics(tmp_path / "run" / "stages" / "stage-1")["dataset_info"]
    assert stored == load_search_data(config).info.to_dict()

    resumed = run_search(replace(config, episodes=3), tmp_path / "run")
    store = TrialStore(tmp_path / "run" / "trials.sqlite")
    assert [trial.slot for trial in store.trials(START_EPISODE)] == [0, 1, 2]  # one new stage, none retrained
    store.close()
    assert resumed.episodes_completed == 3


def test_without_stage_training_no_stage_trial_is_stored(tmp_path: Path, toy_dataset_name: str) -> None:
    run_search(toy_config(toy_dataset_name, strategy="random", restart_every=1, episodes=2), tmp_path / "run")
    store = TrialStore(tmp_path / "run" / "trials.sqlite")
    assert [trial.slot for trial in store.trials(START_EPISODE)] == [0]
    store.close()


def test_stage_training_stops_at_the_deadline_and_the_stage_starts_from_the_untrained_copy(
    tmp_path: Path, toy_dataset_name: str
) -> None:
    base = toy_config(toy_dataset_name, restart_every=1)
    config = replace(base, stage_training=replace(base.child_training, epochs=50))
    data = load_dataset(toy_dataset_name, validation_size=100)
    spec = NetSpec.parse("conv-4-3 pool conv-8-3 gap", data.info.input_shape, data.info.num_classes)
    start = Network(spec, build_model(spec, seed=0).state_dict(), None, 0.5)
    store = TrialStore(tmp_path / "trials.sqlite")
    directory = RunDirectory(tmp_path)
    # The search's share ended a second ago: 50 epochs must not run past it.
    network = stage_start(
        config, directory, store, data, start, 1, lambda kind, payload: None, deadline=time.time() - 1
    )
    stage_trials = store.trials(START_EPISODE)
    store.close()
    assert all(torch.equal(network.state[key], start.state[key]) for key in start.state)
    metrics = load_metrics(directory.stage_dir(1))
    assert metrics["origin"] == "trial None (stage training cut at the end of the search's share)"
    assert [trial.message for trial in stage_trials] == [metrics["origin"]]
