"""End-to-end DenseNet searches on the toy dataset: every strategy, children preserved before training,
transitions kept at their compression, resume, no weight reuse, final training and a DenseNet start
checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eas.build import build_model
from eas.checkpoint import load_checkpoint, save_checkpoint
from eas.search import preset, run_search
from eas.spec import DenseNetSpec, Edit, parse_spec, transition_targets
from tests.search.test_loop import stored_trials


def dense_config(dataset: str, **overrides: object):
    return preset("smoke-densenet", dataset=dataset, **overrides)


@pytest.mark.parametrize("strategy", ["rl", "random", "hillclimb"])
def test_densenet_search_runs_and_keeps_compression(tmp_path: Path, toy_dataset_name: str, strategy: str) -> None:
    config = dense_config(toy_dataset_name, strategy=strategy, widen_noise=0.0, deepen_noise=0.0)
    summary = run_search(config, tmp_path / "run")
    assert summary.episodes_completed == 2
    rows = stored_trials(tmp_path / "run")
    assert len(rows) == 1 + 2 * 3
    children = [row for row in rows if row["episode"] >= 0]
    kinds = {edit[0] for row in children for edit in json.loads(row["actions_json"])}
    assert "deepen" in kinds
    for row in children:
        spec = parse_spec(row["arch"], (1, 12, 12), 4)
        assert isinstance(spec, DenseNetSpec)
        assert transition_targets(spec, config.action_space.compression) == []
        for kind, _, value in json.loads(row["actions_json"]):
            assert kind == "widen" or value == 0  # a copied miniblock has no kernel
    # Noise off: every child starts exactly where its parent was (the transforms preserve the function).
    parents = {row["trial_id"]: row["validation_accuracy"] for row in rows}
    for row in children:
        if row["cached_from"] is None and row["parent_trial"] in parents:
            assert row["accuracy_before"] == pytest.approx(parents[row["parent_trial"]], abs=1e-9)
    assert summary.best is not None and summary.best.arch.startswith("densenet-bc")


def test_densenet_search_resumes_and_trains_its_final_network(tmp_path: Path, toy_dataset_name: str) -> None:
    run_dir = tmp_path / "run"
    run_search(dense_config(toy_dataset_name, episodes=1), run_dir)
    first = stored_trials(run_dir)
    summary = run_search(dense_config(toy_dataset_name, episodes=2, train_final=True), run_dir)
    second = stored_trials(run_dir)
    assert second[: len(first)] == first and len(second) == len(first) + 3
    assert summary.final is not None and summary.final["arch"].startswith("densenet-bc")
    spec, state, _ = load_checkpoint(run_dir / "final")
    assert isinstance(spec, DenseNetSpec)
    build_model(spec, state)  # the saved weights load strictly into the saved architecture


def test_densenet_search_without_weight_reuse(tmp_path: Path, toy_dataset_name: str) -> None:
    run_search(dense_config(toy_dataset_name, weight_reuse=False, episodes=1), tmp_path / "run")
    children = [row for row in stored_trials(tmp_path / "run") if row["episode"] >= 0]
    assert children and all(row["accuracy_before"] is None for row in children if row["cached_from"] is None)


def test_a_densenet_checkpoint_starts_a_search_and_a_plain_space_refuses_it(
    tmp_path: Path, toy_dataset_name: str
) -> None:
    spec = parse_spec("densenet-bc stem4 g2 g2 t4 g2", (1, 12, 12), 4)
    checkpoint = save_checkpoint(tmp_path / "start", spec, build_model(spec, seed=0).state_dict(), {})
    summary = run_search(dense_config(toy_dataset_name, start=str(checkpoint), episodes=1), tmp_path / "run")
    assert summary.best is not None
    with pytest.raises(ValueError, match="--space densenet"):
        preset("smoke", dataset=toy_dataset_name, start="densenet-bc stem4 g2")
    with pytest.raises(ValueError, match="growth ladder"):
        run_search(preset("smoke", dataset=toy_dataset_name, start=str(checkpoint)), tmp_path / "plain")


def test_edits_of_a_densenet_round_trip_through_the_store(tmp_path: Path, toy_dataset_name: str) -> None:
    run_search(dense_config(toy_dataset_name, episodes=1, strategy="random"), tmp_path / "run")
    for row in stored_trials(tmp_path / "run"):
        edits = [Edit.from_json(item) for item in json.loads(row["actions_json"])]
        assert all(edit.kind in ("widen", "deepen") for edit in edits)
