"""Executors run child tasks and hand back results; failures come back as results, never as crashes.

`local` trains children one after another in this process (the deterministic default), `pool` in
worker processes on this machine, `ray` as Ray tasks on a local instance or a cluster.
"""

from eas.executors.base import EventCallback, Executor
from eas.executors.choose import EXECUTORS, ExecutorConfig, make_executor
from eas.executors.local import LocalExecutor
from eas.executors.pool import PoolExecutor
from eas.executors.ray_executor import RayExecutor

__all__ = [
    "EXECUTORS",
    "EventCallback",
    "Executor",
    "ExecutorConfig",
    "LocalExecutor",
    "PoolExecutor",
    "RayExecutor",
    "make_executor",
]
