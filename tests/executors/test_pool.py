"""The process-pool executor: parallel children, a killed worker retried or reported, timeouts, and the
same trials as the local executor for the same seed."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from eas.build import build_model
from eas.data import load_dataset
from eas.evaluation import FAILED, OK, ChildTask
from eas.executors import LocalExecutor, PoolExecutor
from eas.search import preset, run_search
from eas.spec import Edit, NetSpec
from eas.train import TrainConfig
from tests.search.test_loop import stored_trials


def small_tasks(dataset: str, count: int, epochs: int = 1):
    data = load_dataset(dataset, validation_size=50)
    spec = NetSpec.parse("conv-4-3 gap", data.info.input_shape, data.info.num_classes)
    state = build_model(spec, seed=0).state_dict()
    config = TrainConfig(epochs=epochs, train_subset=64, batch_size=32)
    tasks = [ChildTask(i, spec, state, (Edit.widen(0, 4 + 4 * (i + 1)),), config, seed=i) for i in range(count)]
    return data, tasks


def test_pool_runs_every_task_once_like_the_local_executor(toy_dataset_name: str) -> None:
    data, tasks = small_tasks(toy_dataset_name, 4)
    local: list = []
    LocalExecutor(threads=1).run(tasks, data, on_result=local.append, should_stop=lambda: False, emit=lambda k, p: None)
    pooled: list = []
    events: list[str] = []
    with PoolExecutor(workers=2, threads_per_worker=1, gpus=0) as pool:
        pool.run(tasks, data, on_result=pooled.append, should_stop=lambda: False, emit=lambda k, p: events.append(k))
        # A second batch reuses the running workers.
        again: list = []
        pool.run(tasks[:1], data, on_result=again.append, should_stop=lambda: False, emit=lambda k, p: None)
    assert sorted(r.trial_id for r in pooled) == [0, 1, 2, 3] and events.count("trial_start") == 4
    by_id = {r.trial_id: r for r in pooled}
    for result in local:
        twin = by_id[result.trial_id]
        assert twin.status == result.status == OK
        assert twin.validation_accuracy == result.validation_accuracy
        assert twin.accuracy_before == result.accuracy_before
        assert twin.spec == result.spec
    assert again[0].validation_accuracy == by_id[0].validation_accuracy


def _killer(pool: PoolExecutor, kills: list[int], times: int):
    def emit(kind: str, payload: dict) -> None:
        if kind == "trial_start" and len(kills) < times:
            process = pool._pool[payload["worker"]].process
            kills.append(process.pid)
            os.kill(process.pid, signal.SIGKILL)

    return emit


def test_a_killed_worker_is_replaced_and_its_child_retried(toy_dataset_name: str) -> None:
    data, tasks = small_tasks(toy_dataset_name, 3)
    results: list = []
    kills: list[int] = []
    with PoolExecutor(workers=2, threads_per_worker=1, gpus=0, retries=1) as pool:
        pool.run(tasks, data, on_result=results.append, should_stop=lambda: False, emit=_killer(pool, kills, 1))
    assert len(kills) == 1
    assert sorted(r.trial_id for r in results) == [0, 1, 2]
    assert all(r.status == OK for r in results)


def test_without_retries_a_killed_child_is_reported_failed_with_the_reason(toy_dataset_name: str) -> None:
    data, tasks = small_tasks(toy_dataset_name, 2)
    results: list = []
    kills: list[int] = []
    with PoolExecutor(workers=1, threads_per_worker=1, gpus=0, retries=0) as pool:
        pool.run(tasks, data, on_result=results.append, should_stop=lambda: False, emit=_killer(pool, kills, 1))
    statuses = {r.trial_id: r for r in results}
    assert statuses[0].status == FAILED and "SIGKILL" in statuses[0].message
    assert statuses[1].status == OK  # the next child runs on the replacement worker


def test_a_child_past_its_timeout_is_stopped_and_failed(toy_dataset_name: str) -> None:
    data, tasks = small_tasks(toy_dataset_name, 1, epochs=100_000)
    results: list = []
    with PoolExecutor(workers=1, threads_per_worker=1, gpus=0, retries=0, child_timeout=3.0) as pool:
        pool.run(tasks, data, on_result=results.append, should_stop=lambda: False, emit=lambda k, p: None)
    assert results[0].status == FAILED and "timed out after 3 s" in results[0].message


def test_a_search_on_the_pool_gives_the_local_trials_and_survives_a_kill(tmp_path: Path, toy_dataset_name: str) -> None:
    config = preset("smoke", dataset=toy_dataset_name)
    run_search(config, tmp_path / "local", executor=LocalExecutor(threads=1))
    with PoolExecutor(workers=2, threads_per_worker=1, gpus=0) as pool:
        run_search(config, tmp_path / "pool", executor=pool)
    keys = ("trial_id", "arch", "status", "accuracy_before", "validation_accuracy")
    local = [{k: row[k] for k in keys} for row in stored_trials(tmp_path / "local")]
    assert [{k: row[k] for k in keys} for row in stored_trials(tmp_path / "pool")] == local

    kills: list[int] = []
    with PoolExecutor(workers=2, threads_per_worker=1, gpus=0, retries=1) as pool:
        summary = run_search(config, tmp_path / "killed", executor=pool, on_event=_killer(pool, kills, 1))
    assert kills and summary.episodes_completed == 2
    assert [{k: row[k] for k in keys} for row in stored_trials(tmp_path / "killed")] == local


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="workers"):
        PoolExecutor(workers=0)
    with pytest.raises(ValueError, match="retries"):
        PoolExecutor(workers=1, retries=-1)
    with pytest.raises(ValueError, match="child_timeout"):
        PoolExecutor(workers=1, child_timeout=0)
