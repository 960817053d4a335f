"""Evaluating one child: inheritance, calibration, fine-tuning, and failures returned as results."""

from __future__ import annotations

from pathlib import Path

import torch

from eas.build import build_model
from eas.data import load_dataset
from eas.search.actions import DEEPEN, WIDEN, Action
from eas.search.child import ChildTask, evaluate_child
from eas.search.store import FAILED, OK
from eas.spec import NetSpec
from eas.train import TrainConfig, evaluate, fit


def trained_parent(dataset_name: str):
    data = load_dataset(dataset_name, validation_size=100)
    spec = NetSpec.parse("conv-4-3 pool conv-8-3 gap", data.info.input_shape, data.info.num_classes)
    torch.manual_seed(0)
    model = build_model(spec)
    fit(model, data, TrainConfig(epochs=2, learning_rate=0.05, batch_size=32, augment=False))
    return data, spec, model.state_dict()


def test_child_inherits_parent_accuracy_and_keeps_its_weights(toy_dataset_name: str) -> None:
    data, spec, state = trained_parent(toy_dataset_name)
    parent_before = {key: value.clone() for key, value in state.items()}
    task = ChildTask(
        trial_id=1,
        parent_spec=spec,
        parent_state=state,
        actions=[Action(WIDEN, 0, 8), Action(DEEPEN, 2, 3)],
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


def test_a_broken_child_comes_back_as_a_failed_result(toy_dataset_name: str, tmp_path: Path) -> None:
    data, spec, state = trained_parent(toy_dataset_name)
    broken = {key: value for key, value in state.items() if "layer2" not in key}
    task = ChildTask(1, spec, broken, [Action(WIDEN, 0, 8)], TrainConfig(epochs=1), seed=0)
    result = evaluate_child(task, data)
    assert result.status == FAILED
    assert "missing" in result.message and "layer2" in result.message


def test_illegal_actions_come_back_as_a_failed_result(toy_dataset_name: str) -> None:
    data, spec, state = trained_parent(toy_dataset_name)
    task = ChildTask(1, spec, state, [Action(WIDEN, 1, 8)], TrainConfig(epochs=1), seed=0)  # layer 1 is a pool
    result = evaluate_child(task, data)
    assert result.status == FAILED and "pool" in result.message
    assert result.spec == spec
