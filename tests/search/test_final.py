"""The final phase of `train_final`: the best network trained on training + validation images, scored
on the test set, written to RUN/final/, and never repeated by a re-run."""

from __future__ import annotations

from pathlib import Path

from eas.checkpoint import load_checkpoint
from eas.search import run_search
from eas.search.final import finished_final
from eas.search.rundir import RunDirectory
from tests.search.conftest import toy_config


def test_train_final_writes_the_tested_network_and_a_rerun_keeps_it(tmp_path: Path, toy_dataset_name: str) -> None:
    run_dir = tmp_path / "run"
    events: list[str] = []
    config = toy_config(toy_dataset_name, episodes=1, train_final=True)
    summary = run_search(config, run_dir, on_event=lambda kind, payload: events.append(kind))
    assert summary.final is not None and 0.0 <= summary.final["test_accuracy"] <= 1.0
    assert events.index("stopped") < events.index("final_training") < events.index("final_done")
    spec, _, metrics = load_checkpoint(run_dir / "final")
    assert metrics == finished_final(RunDirectory(run_dir)) == summary.final
    assert metrics["full_train"] is True and metrics["arch"] == spec.to_string()
    assert metrics["train_config"] == config.final_training.to_dict()
    assert summary.best is not None and metrics["search_validation_accuracy"] == summary.best.validation_accuracy
    weights = run_dir / "final" / "weights.safetensors"
    written = weights.stat().st_mtime_ns
    again = run_search(config, run_dir)
    assert again.final == summary.final and weights.stat().st_mtime_ns == written


def test_with_a_time_budget_the_final_training_gets_what_is_left(tmp_path: Path, toy_dataset_name: str) -> None:
    config = toy_config(toy_dataset_name, episodes=None, train_final=True, time_budget=6.0, final_share=0.5)
    summary = run_search(config, tmp_path / "run")
    assert summary.final is not None
    budget = summary.final["train_config"]["time_budget"]
    assert budget is not None and 0 < budget <= 6.0
    assert summary.final["result"]["epochs_planned"] == summary.final["result"]["epochs_completed"] >= 1


def test_adding_train_final_to_a_finished_search_runs_only_the_final_phase(
    tmp_path: Path, toy_dataset_name: str
) -> None:
    run_dir = tmp_path / "run"
    first = run_search(toy_config(toy_dataset_name, episodes=1), run_dir)
    assert first.final is None and not (run_dir / "final").exists()
    second = run_search(toy_config(toy_dataset_name, episodes=1, train_final=True), run_dir)
    assert second.networks_trained == first.networks_trained and second.final is not None
