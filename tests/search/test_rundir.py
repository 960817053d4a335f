"""The run directory: config resolution on resume, the progress checkpoint, where weights live, pruning."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from eas.build import build_model
from eas.checkpoint import SPEC_FILE, load_checkpoint, save_checkpoint
from eas.search.presets import preset
from eas.search.rundir import RunDirectory
from eas.search.trial import START_EPISODE, Trial
from eas.spec import NetSpec

ARCH = "conv-4-3 gap"


def tiny_network() -> tuple[NetSpec, dict[str, torch.Tensor]]:
    spec = NetSpec.parse(ARCH, (1, 8, 8), 4)
    return spec, build_model(spec, seed=0).state_dict()


def trial(episode: int, slot: int, trial_id: int | None = None) -> Trial:
    return Trial(episode, slot, ARCH, "{}", trial_id=trial_id)


def leftover_temporaries(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.rglob("*") if path.name.endswith(".tmp"))


# ----- config ------------------------------------------------------------------------------------
def test_first_run_writes_the_resolved_config(tmp_path: Path) -> None:
    directory = RunDirectory(tmp_path / "run")
    config = preset("smoke", seed=3)
    assert directory.resolve_config(config) == config
    written = json.loads(directory.config_path.read_text())
    assert written == config.to_dict()
    assert directory.config_path == tmp_path / "run" / "config.json"
    assert leftover_temporaries(tmp_path) == []


def test_resume_with_other_settings_names_the_fields_and_keeps_the_stored_config(tmp_path: Path) -> None:
    directory = RunDirectory(tmp_path)
    config = preset("smoke")
    directory.resolve_config(config)
    stored_text = directory.config_path.read_text()
    with pytest.raises(ValueError) as raised:
        directory.resolve_config(replace(config, strategy="random", seed=9, episodes=5))
    message = str(raised.value)
    assert "(strategy, seed differ)" in message  # budgets (episodes) are not a difference
    assert str(tmp_path) in message and "--run-dir" in message
    assert directory.config_path.read_text() == stored_text


def test_resume_takes_the_new_budgets_and_the_stored_settings(tmp_path: Path) -> None:
    directory = RunDirectory(tmp_path)
    config = preset("smoke")
    directory.resolve_config(config)
    resumed = directory.resolve_config(replace(config, episodes=7, max_networks=11, time_budget=30.0))
    assert (resumed.episodes, resumed.max_networks, resumed.time_budget) == (7, 11, 30.0)
    assert resumed.differences(config) == []
    # The new budgets are written, so a later resume without options sees them.
    written = json.loads(directory.config_path.read_text())
    assert (written["episodes"], written["max_networks"], written["time_budget"]) == (7, 11, 30.0)


def test_resume_with_the_same_config_is_accepted(tmp_path: Path) -> None:
    directory = RunDirectory(tmp_path)
    config = preset("fashion-cpu")
    directory.resolve_config(config)
    assert directory.resolve_config(config) == config


# ----- progress checkpoint -----------------------------------------------------------------------
def test_load_progress_of_a_new_run_is_empty(tmp_path: Path) -> None:
    assert RunDirectory(tmp_path).load_progress() == (0, {})


def test_save_and_load_progress_round_trip(tmp_path: Path) -> None:
    directory = RunDirectory(tmp_path)
    state = {"baseline": 0.25, "steps": 3, "weights": {"layer": torch.arange(4.0)}, "names": ["a", "b"]}
    directory.save_progress(2, state)
    episodes, loaded = directory.load_progress()
    assert episodes == 2
    assert loaded["baseline"] == 0.25 and loaded["steps"] == 3 and loaded["names"] == ["a", "b"]
    assert torch.equal(loaded["weights"]["layer"], torch.arange(4.0))
    directory.save_progress(3, {"baseline": 0.5})
    assert directory.load_progress() == (3, {"baseline": 0.5})
    assert sorted(path.name for path in tmp_path.iterdir()) == ["checkpoint.pt"]


def test_a_failed_save_keeps_the_previous_checkpoint(tmp_path: Path) -> None:
    directory = RunDirectory(tmp_path)
    directory.save_progress(1, {"baseline": 0.1})
    with pytest.raises(Exception, match="pickle"):
        directory.save_progress(2, {"unpicklable": lambda: None})
    assert directory.load_progress() == (1, {"baseline": 0.1})


# ----- where weights live ------------------------------------------------------------------------
def test_trial_dir_of_the_start_network_a_stage_start_and_a_child(tmp_path: Path) -> None:
    directory = RunDirectory(tmp_path)
    assert directory.trial_dir(trial(START_EPISODE, 0, trial_id=1)) == tmp_path / "start"
    assert directory.trial_dir(trial(START_EPISODE, 2, trial_id=8)) == tmp_path / "stages" / "stage-2"
    assert directory.trial_dir(trial(3, 1, trial_id=17)) == tmp_path / "networks" / "trial-17"
    # Episode 0 slot 0 is a child, not the start network.
    assert directory.trial_dir(trial(0, 0, trial_id=2)) == tmp_path / "networks" / "trial-2"


def test_has_weights_needs_a_complete_checkpoint(tmp_path: Path) -> None:
    directory = RunDirectory(tmp_path)
    spec, state = tiny_network()
    child = trial(0, 1, trial_id=5)
    assert not directory.has_weights(child)
    directory.save_network(5, spec, state, {"validation_accuracy": 0.5})
    assert directory.has_weights(child)
    assert not directory.has_weights(trial(0, 2, trial_id=6))
    # A folder with the spec but no weights (a crash between the two writes) is not kept weights.
    start = trial(START_EPISODE, 0, trial_id=1)
    directory.start_dir.mkdir()
    (directory.start_dir / SPEC_FILE).write_text(spec.to_json())
    assert not directory.has_weights(start)


def test_save_network_and_load_start_read_back_the_weights(tmp_path: Path) -> None:
    directory = RunDirectory(tmp_path)
    spec, state = tiny_network()
    folder = directory.save_network(4, spec, state, {"validation_accuracy": 0.75, "trial_id": 4})
    assert folder == tmp_path / "networks" / "trial-4"
    loaded_spec, loaded_state, metrics = load_checkpoint(folder)
    assert loaded_spec == spec and metrics == {"validation_accuracy": 0.75, "trial_id": 4}
    assert loaded_state.keys() == state.keys()
    assert all(torch.equal(loaded_state[key], state[key]) for key in state)
    save_checkpoint(directory.start_dir, spec, state, {"origin": "test"})
    start_spec, _, start_metrics = directory.load_start()
    assert start_spec == spec and start_metrics == {"origin": "test"}


def test_prune_networks_keeps_only_the_given_ids(tmp_path: Path) -> None:
    directory = RunDirectory(tmp_path)
    spec, state = tiny_network()
    for trial_id in (1, 2, 3, 12):
        directory.save_network(trial_id, spec, state, {})
    save_checkpoint(directory.start_dir, spec, state)
    save_checkpoint(directory.stage_dir(1), spec, state)
    (directory.networks_dir / "notes").mkdir()  # not a trial folder: never touched
    directory.prune_networks({2, 12})
    assert sorted(path.name for path in directory.networks_dir.iterdir()) == ["notes", "trial-12", "trial-2"]
    # The start network and stage starts are kept for good, whatever `keep` says.
    assert directory.has_weights(trial(START_EPISODE, 0)) and directory.has_weights(trial(START_EPISODE, 1))
    directory.prune_networks(set())
    assert sorted(path.name for path in directory.networks_dir.iterdir()) == ["notes"]


def test_prune_networks_without_a_networks_folder_does_nothing(tmp_path: Path) -> None:
    RunDirectory(tmp_path / "missing").prune_networks({1})
    assert not (tmp_path / "missing").exists()


def test_exists_needs_both_the_config_and_the_store(tmp_path: Path) -> None:
    directory = RunDirectory(tmp_path)
    assert not directory.exists()
    directory.resolve_config(preset("smoke"))
    assert not directory.exists()
    directory.store_path.write_bytes(b"")
    assert directory.exists()
    directory.config_path.unlink()
    assert not directory.exists()
