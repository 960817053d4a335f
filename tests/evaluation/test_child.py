"""Evaluating one child: inheritance, calibration, fine-tuning, and failures returned as results."""

from __future__ import annotations

from pathlib import Path

import torch

from eas.build import build_model
from eas.data import load_dataset
from eas.evaluation import FAILED, OK, ChildTask, calibration_batch, evaluate_child
from eas.spec import Edit, NetSpec
from eas.train import TrainConfig, evaluate, fit


def trained_parent(dataset_name: str):
    data = load_dataset(dataset_name, validation_size=100)
    spec = NetSpec.parse("conv-4-3 pool conv-8-3 gap", data.info.input_shape, data.info.num_classes)
    model = build_model(spec, seed=0)
    fit(model, data, TrainConfig(epochs=2, learning_rate=0.05, batch_size=32, augment=False))
    return data, spec, model.state_dict()


def test_child_inherits_parent_accuracy_and_keeps_its_weights(toy_dataset_name: str) -> None:
    data, spec, state = trained_parent(toy_dataset_name)
    parent_before = {key: value.clone() for key, value in state.items()}
    task = ChildTask(
        trial_id=1,
        parent_spec=spec,
        parent_state=state,
        edits=(Edit.widen(0, 8), Edit.deepen(2, 3)),
        train_config=TrainConfig(epochs=1, batch_size=32, augment=False),
        seed=3,
        widen_noise=0.0,
        deepen_noise=0.0,
        keep_weights=True,
    )
    result = evaluate_child(task, data)
    assert result.status == OK
    assert result.spec.to_string() == "conv-8-3 pool conv-8-3 conv-8-3 gap"
    parent_accuracy = evaluate(build_model(spec, state), data.validation, data.info).accuracy
    assert result.accuracy_before == parent_accuracy
    assert result.validation_accuracy is not None and result.state is not None
    assert set(result.state) == set(build_model(result.spec).state_dict())
    # The parent's weights are untouched.
    assert all(torch.equal(state[key], parent_before[key]) for key in state)


def test_a_common_train_seed_gives_children_the_same_images_and_order(toy_dataset_name: str) -> None:
    # Two copies of the parent (no edits, no noise) with different trial seeds: they differ only in the
    # images their fine-tune draws, unless both take them from one train_seed.
    data, spec, state = trained_parent(toy_dataset_name)
    recipe = TrainConfig(epochs=1, batch_size=16, augment=False, train_subset=48, learning_rate=0.05)

    def child(seed: int, train_seed: int | None) -> dict[str, torch.Tensor]:
        task = ChildTask(seed, spec, state, (), recipe, seed=seed, keep_weights=True, train_seed=train_seed)
        result = evaluate_child(task, data)
        assert result.status == OK and result.state is not None
        return result.state

    def same(first: dict[str, torch.Tensor], second: dict[str, torch.Tensor]) -> bool:
        return all(torch.equal(first[key], second[key]) for key in first)

    assert same(child(1, train_seed=7), child(2, train_seed=7))
    assert not same(child(1, train_seed=None), child(2, train_seed=None))


def test_a_broken_child_comes_back_as_a_failed_result(toy_dataset_name: str, tmp_path: Path) -> None:
    data, spec, state = trained_parent(toy_dataset_name)
    broken = {key: value for key, value in state.items() if "layer2" not in key}
    task = ChildTask(1, spec, broken, (Edit.widen(0, 8),), TrainConfig(epochs=1), seed=0)
    result = evaluate_child(task, data)
    assert result.status == FAILED
    assert "missing" in result.message and "layer2" in result.message


def test_illegal_edits_come_back_as_a_failed_result(toy_dataset_name: str) -> None:
    data, spec, state = trained_parent(toy_dataset_name)
    task = ChildTask(1, spec, state, (Edit.widen(1, 8),), TrainConfig(epochs=1), seed=0)  # layer 1 is a pool
    result = evaluate_child(task, data)
    assert result.status == FAILED and "pool" in result.message
    assert result.spec == spec


def test_from_scratch_children_do_not_touch_the_global_rng(toy_dataset_name: str) -> None:
    data, spec, _ = trained_parent(toy_dataset_name)
    config = TrainConfig(epochs=1, batch_size=32, augment=False, train_subset=64)
    task = ChildTask(1, spec, None, (Edit.widen(0, 8),), config, seed=5, weight_reuse=False)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    first = evaluate_child(task, data)
    assert torch.equal(torch.rand(3), expected)
    second = evaluate_child(task, data)
    assert first.status == OK and first.validation_accuracy == second.validation_accuracy


def test_calibration_batch_is_a_seeded_random_normalised_sample(toy_dataset_name: str) -> None:
    data, _, _ = trained_parent(toy_dataset_name)
    first, again, other = (calibration_batch(data, 16, seed) for seed in (0, 0, 1))
    assert first.shape == (16, *data.info.input_shape) and first.dtype == torch.float32
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert calibration_batch(data, 10**9, 0).shape[0] == len(data.train)
