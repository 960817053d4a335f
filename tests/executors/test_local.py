"""The local executor: runs tasks in order, reports each result, and stops when told to."""

from __future__ import annotations

import pytest
import torch

from eas.build import build_model
from eas.data import load_dataset
from eas.evaluation import ChildTask
from eas.executors import LocalExecutor
from eas.spec import Edit, NetSpec
from eas.train import TrainConfig


def test_runs_tasks_in_order_and_stops_on_request(toy_dataset_name: str) -> None:
    data = load_dataset(toy_dataset_name, validation_size=50)
    spec = NetSpec.parse("conv-4-3 gap", data.info.input_shape, data.info.num_classes)
    state = build_model(spec).state_dict()
    state_before = {key: value.clone() for key, value in state.items()}
    config = TrainConfig(epochs=1, train_subset=64, batch_size=32)
    tasks = [ChildTask(i, spec, state, (Edit.widen(0, 4 + 4 * (i + 1)),), config, seed=i) for i in range(3)]
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


def test_threads_are_set_for_children_and_restored(toy_dataset_name: str) -> None:
    data = load_dataset(toy_dataset_name, validation_size=50)
    spec = NetSpec.parse("conv-4-3 gap", data.info.input_shape, data.info.num_classes)
    state = build_model(spec).state_dict()
    task = ChildTask(0, spec, state, (Edit.widen(0, 8),), TrainConfig(epochs=1, train_subset=32), seed=0)
    seen: list[int] = []
    before = torch.get_num_threads()
    LocalExecutor(threads=2).run(
        [task],
        data,
        on_result=lambda result: None,
        should_stop=lambda: False,
        emit=lambda kind, payload: seen.append(torch.get_num_threads()) if kind == "progress" else None,
    )
    assert seen and set(seen) == {2}
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="threads"):
        LocalExecutor(threads=0)
