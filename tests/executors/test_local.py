"""The local executor: runs tasks in order, reports each result, and stops when told to."""

from __future__ import annotations

import torch

from eas.build import build_model
from eas.data import load_dataset
from eas.executors import LocalExecutor
from eas.search.actions import WIDEN, Action
from eas.search.child import ChildTask
from eas.spec import NetSpec
from eas.train import TrainConfig
from tests.search.conftest import toy_dataset_name  # noqa: F401 - fixture


def test_runs_tasks_in_order_and_stops_on_request(toy_dataset_name: str) -> None:  # noqa: F811
    data = load_dataset(toy_dataset_name, validation_size=50)
    spec = NetSpec.parse("conv-4-3 gap", data.info.input_shape, data.info.num_classes)
    state = build_model(spec).state_dict()
    state_before = {key: value.clone() for key, value in state.items()}
    config = TrainConfig(epochs=1, train_subset=64, batch_size=32)
    tasks = [ChildTask(i, spec, state, [Action(WIDEN, 0, 4 + 4 * (i + 1))], config, seed=i) for i in range(3)]
    results = []
    events = []
    LocalExecutor().run(
        tasks, data, on_result=results.append, should_stop=lambda: False, emit=lambda k, p: events.append(k)
    )
    assert [r.trial_id for r in results] == [0, 1, 2]
    assert [r.spec.layers[0].width for r in results] == [8, 12, 16]
    assert events.count("trial_start") == 3 and "progress" in events

    stopped = []
    LocalExecutor().run(
        tasks, data, on_result=stopped.append, should_stop=lambda: len(stopped) >= 1, emit=lambda k, p: None
    )
    assert len(stopped) == 1
    # Children inherit through copies: the parent's weights are untouched.
    assert all(torch.equal(state[key], state_before[key]) for key in state)
