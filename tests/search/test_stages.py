"""Stage restarts: the best network so far starts the next stage, trained longer with `stage_training`
(stored as a trial of episode -1 whose weights live in stages/), and a resume never trains it again."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from eas.checkpoint import load_metrics
from eas.search import TrialStore, run_search
from eas.search.config import load_search_data
from eas.search.stages import stage_of
from eas.search.trial import START_EPISODE
from tests.search.conftest import toy_config


def test_stage_of_counts_restarts() -> None:
    config = toy_config("npz:unused", restart_every=2)
    assert [stage_of(config, episode) for episode in range(5)] == [0, 0, 1, 1, 2]
    assert stage_of(toy_config("npz:unused"), 7) == 0


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
