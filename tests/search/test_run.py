"""Reading a run: ranking trials, the best network whose weights are kept, and the `SearchRun` API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from eas.build import build_model
from eas.checkpoint import save_checkpoint
from eas.evaluation.status import DIVERGED, FAILED, OK
from eas.search import SearchRun, run_search
from eas.search.presets import preset
from eas.search.run import best_kept_trial, best_network, load_network, ranked_trials
from eas.search.rundir import RunDirectory
from eas.search.store import TrialStore
from eas.search.trial import START_EPISODE, Trial
from eas.spec import NetSpec
from tests.search.conftest import toy_config

INPUT_SHAPE = (1, 8, 8)
CLASSES = 4

# (episode, slot, width, status, validation accuracy, cached from slot, weights kept). Widths differ so
# each kept checkpoint is recognisable by its spec; the accuracies make ties and cache hits rank high.
ROWS = (
    (START_EPISODE, 0, 4, OK, 0.5, None, True),  # trial 1: the start network
    (0, 0, 8, OK, 0.9, None, False),  # trial 2: the best, but its weights were pruned
    (0, 1, 12, OK, 0.8, None, True),  # trial 3: the best kept network
    (0, 2, 8, OK, 0.9, 0, True),  # trial 4: a cache hit of trial 2 (weights present on purpose)
    (0, 3, 16, DIVERGED, 0.0, None, False),  # trial 5
    (0, 4, 20, FAILED, None, None, False),  # trial 6
    (0, 5, 24, OK, 0.8, None, True),  # trial 7: ties with trial 3, later
    (0, 6, 28, OK, None, None, False),  # trial 8: stays pending (finish is never called)
)


def spec_of(width: int) -> NetSpec:
    return NetSpec.parse(f"conv-{width}-3 gap", INPUT_SHAPE, CLASSES)


def build_run(root: Path) -> RunDirectory:
    """A run directory written with the real store and checkpoints, without training anything."""
    directory = RunDirectory(root)
    directory.resolve_config(preset("smoke", seed=4))
    store = TrialStore(directory.store_path)
    try:
        pending = [Trial(e, s, spec_of(w).to_string(), spec_of(w).to_json()) for e, s, w, *_ in ROWS]
        stored = store.add_pending(pending)
        for trial, (_, _, width, status, accuracy, cached_slot, kept) in zip(stored, ROWS, strict=True):
            if trial.slot == 6:
                continue
            trial.status, trial.validation_accuracy = status, accuracy
            if cached_slot is not None:
                trial.cached_from = stored[1 + cached_slot].trial_id
            store.finish(trial)
            if kept:
                state = build_model(spec_of(width), seed=width).state_dict()
                save_checkpoint(directory.trial_dir(trial), spec_of(width), state, {"validation_accuracy": accuracy})
    finally:
        store.close()
    return directory


@pytest.fixture
def run_root(tmp_path: Path) -> Path:
    build_run(tmp_path / "run")
    return tmp_path / "run"


@pytest.fixture
def store(run_root: Path):
    opened = TrialStore(RunDirectory(run_root).store_path)
    yield opened
    opened.close()


def test_the_fixture_assigns_the_trial_ids_the_rows_expect(store: TrialStore) -> None:
    assert [(t.trial_id, t.episode, t.slot) for t in store.trials()] == [
        (index + 1, row[0], row[1]) for index, row in enumerate(ROWS)
    ]


def test_ranked_trials_highest_accuracy_first_earliest_on_ties(store: TrialStore) -> None:
    ranked = ranked_trials(store)
    # Diverged, failed and pending trials are not ranked; the start network is.
    assert [t.trial_id for t in ranked] == [2, 4, 3, 7, 1]
    assert [t.validation_accuracy for t in ranked] == [0.9, 0.9, 0.8, 0.8, 0.5]


def test_best_kept_trial_skips_pruned_weights_and_cache_hits(run_root: Path, store: TrialStore) -> None:
    best = best_kept_trial(RunDirectory(run_root), store)
    assert best is not None and best.trial_id == 3


def test_a_score_replaces_accuracy_in_the_ranking(run_root: Path, store: TrialStore) -> None:
    # A cost-aware search ranks by its own score; here the narrowest network scores best.
    def narrowest(trial: Trial) -> float:
        return -float(trial.arch.split("-")[1])

    assert [t.trial_id for t in ranked_trials(store, narrowest)] == [1, 2, 4, 3, 7]
    by_accuracy = best_kept_trial(RunDirectory(run_root), store)
    by_score = best_kept_trial(RunDirectory(run_root), store, narrowest)
    assert by_accuracy is not None and by_accuracy.trial_id == 3
    assert by_score is not None and by_score.trial_id == 1


def test_best_kept_trial_falls_back_to_the_start_network(tmp_path: Path) -> None:
    directory = build_run(tmp_path / "run")
    for trial_id in (3, 4, 7):
        for path in directory.network_dir(trial_id).iterdir():
            path.unlink()
    store = TrialStore(directory.store_path)
    try:
        best = best_kept_trial(directory, store)
        assert best is not None and (best.episode, best.slot, best.trial_id) == (START_EPISODE, 0, 1)
        network = best_network(directory, store)
        assert network is not None and network.trial_id is None and network.validation_accuracy == 0.5
    finally:
        store.close()


def test_an_empty_run_has_no_best_network(tmp_path: Path) -> None:
    directory = RunDirectory(tmp_path)
    store = TrialStore(directory.store_path)
    try:
        assert ranked_trials(store) == []
        assert best_kept_trial(directory, store) is None
        assert best_network(directory, store) is None
    finally:
        store.close()


def test_best_network_loads_the_kept_weights(run_root: Path, store: TrialStore) -> None:
    network = best_network(RunDirectory(run_root), store)
    assert network is not None
    assert network.trial_id == 3 and network.validation_accuracy == 0.8
    assert network.spec == spec_of(12)
    expected = build_model(spec_of(12), seed=12).state_dict()
    assert network.state.keys() == expected.keys()
    assert all(torch.equal(network.state[key], expected[key]) for key in expected)


def test_load_network_gives_no_trial_id_for_the_start_network_only(run_root: Path, store: TrialStore) -> None:
    directory = RunDirectory(run_root)
    start = store.get(START_EPISODE, 0)
    network = load_network(directory, start)
    # Children of the start network record parent_trial None, so the start network's id must be None.
    assert network.trial_id is None and network.spec == spec_of(4) and network.validation_accuracy == 0.5
    # A stage start (episode -1, slot N) is a real parent: it keeps its trial id.
    stage = Trial(START_EPISODE, 2, spec_of(4).to_string(), "{}", status=OK, validation_accuracy=0.6, trial_id=9)
    save_checkpoint(directory.stage_dir(2), spec_of(4), build_model(spec_of(4), seed=0).state_dict())
    assert load_network(directory, stage).trial_id == 9
    assert load_network(directory, store.get(0, 5)).trial_id == 7


def test_load_network_of_pruned_weights_names_the_folder(run_root: Path, store: TrialStore) -> None:
    with pytest.raises(FileNotFoundError, match="trial-2"):
        load_network(RunDirectory(run_root), store.get(0, 0))


# ----- SearchRun -----------------------------------------------------------------------------------
def test_search_run_on_a_folder_that_is_not_a_run_says_how_to_start_one(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as raised:
        SearchRun(tmp_path)
    assert str(tmp_path) in str(raised.value)
    assert "eas search --run-dir" in str(raised.value)
    (tmp_path / "config.json").write_text(json.dumps(preset("smoke").to_dict()))
    with pytest.raises(FileNotFoundError, match="is not a search run directory"):
        SearchRun(tmp_path)  # a config alone is not a run


def test_search_run_reads_config_trials_and_best(run_root: Path) -> None:
    run = SearchRun(run_root)
    assert run.root == run_root
    assert run.config == preset("smoke", seed=4)
    trials = run.trials()
    assert [t.trial_id for t in trials] == list(range(1, len(ROWS) + 1))
    assert [t.status for t in trials] == [row[3] for row in ROWS[:-1]] + ["pending"]
    best = run.best_trial()
    # The best trial is ranked by accuracy alone, kept weights or not.
    assert best is not None and best.trial_id == 2
    trial, network = run.best_network()
    assert trial.trial_id == network.trial_id == 3
    model = build_model(network.spec, network.state)
    assert model(torch.zeros(2, *INPUT_SHAPE)).shape == (2, CLASSES)


def write_final(run_root: Path, trial_id: int) -> None:
    """A final network as the final training writes it: a checkpoint whose metrics name its trial."""
    spec = spec_of(4)
    save_checkpoint(RunDirectory(run_root).final_dir, spec, build_model(spec, seed=1).state_dict(), {"trial": trial_id})


def test_the_chosen_network_is_the_trial_the_final_training_chose(run_root: Path) -> None:
    # Trial 7 ties trial 3 on accuracy and comes later, so ranking by accuracy picks 3; a final training
    # that chose 7 (by a cost-aware score) makes 7 the chosen network.
    write_final(run_root, 7)
    trial, network = SearchRun(run_root).chosen_network()
    assert trial.trial_id == network.trial_id == 7
    assert network.spec == spec_of(24)  # its own searched weights, not the final network's


def test_without_a_final_network_the_chosen_network_is_the_most_accurate_kept_one(run_root: Path) -> None:
    assert SearchRun(run_root).chosen_network()[0].trial_id == 3


@pytest.mark.parametrize("trial_id", [2, 4, 99])
def test_a_final_choice_without_its_own_kept_weights_falls_back_to_the_most_accurate(
    run_root: Path, trial_id: int
) -> None:
    # 2: its weights were pruned; 4: a cache hit (its weights are its original's); 99: no such trial.
    write_final(run_root, trial_id)
    assert SearchRun(run_root).chosen_network()[0].trial_id == 3


def test_search_run_without_any_trained_network(tmp_path: Path) -> None:
    directory = RunDirectory(tmp_path)
    directory.resolve_config(preset("smoke"))
    TrialStore(directory.store_path).close()
    run = SearchRun(tmp_path)
    assert run.trials() == [] and run.best_trial() is None
    with pytest.raises(ValueError, match="no trained network yet"):
        run.best_network()


def test_search_run_of_a_real_search(tmp_path: Path, toy_dataset_name: str) -> None:
    config = toy_config(toy_dataset_name, episodes=1)
    summary = run_search(config, tmp_path / "run")
    run = SearchRun(tmp_path / "run")
    assert run.config == config
    assert len(run.trials()) == 1 + config.networks_per_episode
    assert run.best_trial() == summary.best
    trial, network = run.best_network()
    assert trial.validation_accuracy == network.validation_accuracy
    assert trial.arch == network.spec.to_string()
    model = build_model(network.spec, network.state)  # strict: every weight matches the spec
    images = torch.zeros(3, *network.spec.input_shape)
    assert model.eval()(images).shape == (3, network.spec.num_classes)
