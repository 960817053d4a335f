"""Tasks and results as plain messages: exact round trips, and parent keys that follow the weights."""

from __future__ import annotations

import json
from dataclasses import replace

import torch

from eas.build import build_model
from eas.evaluation import (
    ChildResult,
    ChildTask,
    parent_key,
    result_from_message,
    result_message,
    task_from_message,
    task_message,
)
from eas.spec import DenseNetSpec, Edit, NetSpec
from eas.train import TrainConfig


def test_a_task_round_trips_through_json_and_its_weights() -> None:
    spec = DenseNetSpec.parse("densenet-bc stem4 g2 t4 g2", (1, 8, 8), 3)
    state = build_model(spec, seed=0).state_dict()
    task = ChildTask(5, spec, state, (Edit.widen(1, 4), Edit.deepen(1, None)), TrainConfig(epochs=2), seed=9)
    task.deadline = 123.5
    task.train_seed = 4
    fields = json.loads(json.dumps(task_message(task)))  # JSON-ready: no objects of ours inside
    again = task_from_message(fields, state)
    assert again.parent_state is state
    assert replace(again, parent_state=None) == replace(task, parent_state=None)
    on_a_gpu = task_from_message(task_message(task, device="cuda"), state)
    assert on_a_gpu.train_config == replace(task.train_config, device="cuda")
    assert task.train_config.device == "cpu"  # the task itself is left as it was


def test_parent_keys_follow_architecture_and_weights() -> None:
    spec = NetSpec.parse("conv-4-3 gap", (1, 8, 8), 3)
    state = build_model(spec, seed=0).state_dict()
    task = ChildTask(1, spec, state, (), TrainConfig(), seed=0)
    same = ChildTask(2, spec, {k: v.clone() for k, v in state.items()}, (), TrainConfig(), seed=1)
    changed = {k: v.clone() for k, v in state.items()}
    changed["classifier.bias"] += 1e-3
    assert parent_key(task) == parent_key(same)
    assert parent_key(task) != parent_key(ChildTask(3, spec, changed, (), TrainConfig(), seed=0))
    assert parent_key(ChildTask(4, spec, None, (), TrainConfig(), seed=0)) is None


def test_a_result_round_trips_with_its_weights() -> None:
    spec = NetSpec.parse("conv-4-3 gap", (1, 8, 8), 3)
    state = build_model(spec, seed=0).state_dict()
    result = ChildResult(3, "ok", spec, 0.5, 0.25, 1.5, "trained 1 epochs", state)
    again = result_from_message(result_message(result))
    assert again.spec == spec and again.validation_accuracy == 0.5 and again.message == "trained 1 epochs"
    assert again.state is not None and all(torch.equal(again.state[k], state[k]) for k in state)
