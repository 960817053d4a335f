"""Choosing an executor by name."""

from __future__ import annotations

import pytest

from eas.executors import ExecutorConfig, LocalExecutor, PoolExecutor, RayExecutor, make_executor


def test_each_name_gives_its_executor_with_its_settings() -> None:
    assert isinstance(make_executor(ExecutorConfig()), LocalExecutor)
    pool = make_executor(ExecutorConfig("pool", workers=2, threads=1, retries=3, child_timeout=9.0))
    assert isinstance(pool, PoolExecutor)
    assert (pool.workers, pool.threads_per_worker, pool.retries, pool.child_timeout) == (2, 1, 3, 9.0)
    ray = make_executor(ExecutorConfig("ray", workers=4, ray_address="auto", cpus_per_child=2))
    assert isinstance(ray, RayExecutor) and (ray.address, ray.max_in_flight, ray.cpus_per_child) == ("auto", 4, 2)
    assert ExecutorConfig("pool").to_dict()["kind"] == "pool"


def test_unknown_names_and_bad_numbers_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown executor 'dask'"):
        ExecutorConfig("dask")
    with pytest.raises(ValueError, match="workers"):
        ExecutorConfig("pool", workers=0)
