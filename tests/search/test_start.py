"""The start network: trained from a token string (for epochs or a share of the time budget), or taken
from a checkpoint that must not have been trained on the search's validation images."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from eas.search import SearchConfig, TrialStore, run_search
from eas.search.start import check_honest_start
from tests.search.conftest import toy_config


def test_a_full_train_checkpoint_is_refused_with_the_fix() -> None:
    config = SearchConfig(start="runs/hand", validation_size=5000, data_seed=0)
    with pytest.raises(ValueError, match="training \\+ validation images") as error:
        check_honest_start({"full_train": True, "validation_size": 5000, "data_seed": 0}, config)
    assert "without --full-train" in str(error.value) and "--validation-size 5000" in str(error.value)
    with pytest.raises(ValueError, match="training \\+ validation"):
        check_honest_start({"from_run": "runs/x", "data_seed": 0, "validation_size": 5000}, config)


def test_another_validation_split_is_refused_and_a_grown_checkpoint_is_checked_through_its_parent() -> None:
    config = SearchConfig(start="runs/hand", validation_size=None, data_seed=0)
    with pytest.raises(ValueError, match="another validation split"):
        check_honest_start({"full_train": False, "validation_size": None, "data_seed": 3}, config)
    grown = {"validation_size": None, "data_seed": 0, "parent": {"full_train": True, "data_seed": 0}}
    with pytest.raises(ValueError, match="training \\+ validation"):
        check_honest_start(grown, config)
    check_honest_start({"full_train": False, "validation_size": None, "data_seed": 0}, config)
    check_honest_start({"validation_accuracy": 0.9, "origin": "trained 1 epochs"}, config)  # a run's own start


def test_start_share_trains_the_start_network_for_a_share_of_the_time_budget(
    tmp_path: Path, toy_dataset_name: str
) -> None:
    events: list[tuple[str, dict]] = []
    config = toy_config(toy_dataset_name, episodes=1, time_budget=60.0, start_share=0.02)
    run_search(config, tmp_path / "run", on_event=lambda kind, payload: events.append((kind, payload)))
    (started,) = [payload for kind, payload in events if kind == "start_training"]
    assert started["time_budget"] == pytest.approx(1.2)
    store = TrialStore(tmp_path / "run" / "trials.sqlite")
    (start,) = store.trials(-1)
    assert store.get_meta("train_flops_per_second") > 0
    store.close()
    assert start.message is not None and start.message.startswith("trained ")


def test_a_leaky_checkpoint_start_stops_the_search_before_it_writes_trials(
    tmp_path: Path, toy_dataset_name: str
) -> None:
    from eas.cli import main

    checkpoint = tmp_path / "full"
    arguments = ["train", "--dataset", toy_dataset_name, "--arch", "conv-4-3 gap", "--epochs", "1", "--full-train"]
    assert main([*arguments, "--out", str(checkpoint)]) == 0
    config = replace(toy_config(toy_dataset_name, episodes=1), start=str(checkpoint))
    with pytest.raises(ValueError, match="without --full-train"):
        run_search(config, tmp_path / "run")
    store = TrialStore(tmp_path / "run" / "trials.sqlite")
    assert store.trials() == []
    store.close()
