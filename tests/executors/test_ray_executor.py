"""The Ray executor on a real local Ray cluster (two CPUs): a search gives the local executor's trials,
and a child past its timeout is cancelled and reported failed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from eas.executors import LocalExecutor, RayExecutor
from eas.search import preset, run_search
from tests.executors.test_pool import small_tasks
from tests.search.test_loop import stored_trials

ray = pytest.importorskip("ray", reason="the ray executor's tests need Ray (pip install -e '.[dev]' installs it)")


@pytest.fixture(scope="module")
def cluster() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def test_a_search_on_ray_gives_the_local_trials(cluster: None, tmp_path: Path, toy_dataset_name: str) -> None:
    config = preset("smoke", dataset=toy_dataset_name)
    run_search(config, tmp_path / "local", executor=LocalExecutor(threads=1))
    executor = RayExecutor(cpus_per_child=1)
    run_search(config, tmp_path / "ray", executor=executor)
    keys = ("trial_id", "arch", "status", "accuracy_before", "validation_accuracy")
    local = [{k: row[k] for k in keys} for row in stored_trials(tmp_path / "local")]
    assert [{k: row[k] for k in keys} for row in stored_trials(tmp_path / "ray")] == local
    executor.close()
    assert ray.is_initialized()  # the executor leaves a cluster it did not start running


def test_a_ray_child_past_its_timeout_is_cancelled_and_failed(cluster: None, toy_dataset_name: str) -> None:
    data, tasks = small_tasks(toy_dataset_name, 2, epochs=100_000)
    results: list = []
    executor = RayExecutor(retries=1, child_timeout=3.0)
    executor.run(tasks[:1], data, on_result=results.append, should_stop=lambda: False, emit=lambda k, p: None)
    assert len(results) == 1 and results[0].status == "failed"
    assert "timed out after 3 s (after 2 attempts)" in results[0].message


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="cpus_per_child"):
        RayExecutor(cpus_per_child=0)
    with pytest.raises(ValueError, match="child_timeout"):
        RayExecutor(child_timeout=-1)


class _FakeCluster:
    """Just what `RayExecutor._slots` reads: the cluster's resources."""

    def __init__(self, resources: dict[str, float]) -> None:
        self.resources = resources

    def cluster_resources(self) -> dict[str, float]:
        return self.resources


def test_tasks_in_flight_follow_the_cluster_cpus_and_gpus() -> None:
    eight_cpus_two_gpus = _FakeCluster({"CPU": 8.0, "GPU": 2.0})
    assert RayExecutor(cpus_per_child=2)._slots(eight_cpus_two_gpus) == 4
    assert RayExecutor(cpus_per_child=2, gpus_per_child=1.0)._slots(eight_cpus_two_gpus) == 2
    assert RayExecutor(cpus_per_child=1, gpus_per_child=0.5)._slots(eight_cpus_two_gpus) == 4
    assert RayExecutor(gpus_per_child=1.0)._slots(_FakeCluster({"CPU": 4.0})) == 1  # never zero: Ray queues it
    assert RayExecutor(max_in_flight=3, gpus_per_child=1.0)._slots(eight_cpus_two_gpus) == 3
