"""`RayExecutor`: children as Ray tasks, on a local Ray instance or an existing cluster.

Ray is an optional dependency (`pip install eas[ray]`); it is imported when the executor starts. The
dataset is put in the object store once, and each parent's weights once per run of tasks (an episode),
so many children of one parent share one copy. A task that crashes its worker, runs out of memory or
times out is tried again up to `retries` times and then reported failed; the search goes on.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from eas.data import Dataset
from eas.evaluation import (
    ChildResult,
    ChildTask,
    evaluate_child,
    parent_key,
    result_from_message,
    result_message,
    task_from_message,
    task_message,
)
from eas.executors.base import EventCallback, thread_share
from eas.executors.guardian import start_guardian
from eas.executors.retry import DEFAULT_RETRIES, Attempts

logger = logging.getLogger(__name__)

_POLL_SECONDS = 0.5


def run_child_message(fields: dict[str, Any], state: Any, data: Dataset, threads: int) -> dict[str, Any]:
    """The body of one Ray task: rebuild the task, train the child, return the result as a message."""
    import torch

    torch.set_num_threads(threads)
    return result_message(evaluate_child(task_from_message(fields, state), data))


class RayExecutor:
    """Children as Ray tasks; see the module docstring.

    `address`: None starts a local Ray instance (with `num_cpus` CPUs, default all), `"auto"` or
    `host:port` joins a running cluster. `cpus_per_child` and `gpus_per_child` are each task's resource
    request (its torch threads follow `cpus_per_child`); `max_in_flight` caps the tasks submitted at
    once (default: the cluster's CPUs divided by `cpus_per_child`, and no more than its GPUs allow).
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        cpus_per_child: int = 1,
        gpus_per_child: float = 0.0,
        num_cpus: int | None = None,
        max_in_flight: int | None = None,
        retries: int = DEFAULT_RETRIES,
        child_timeout: float | None = None,
    ) -> None:
        if cpus_per_child < 1:
            raise ValueError(f"cpus_per_child must be >= 1, got {cpus_per_child}")
        if gpus_per_child < 0:
            raise ValueError(f"gpus_per_child must be >= 0, got {gpus_per_child}")
        if child_timeout is not None and not child_timeout > 0:
            raise ValueError(f"child_timeout must be a positive number of seconds or None, got {child_timeout}")
        Attempts(retries)  # validates
        self.address = address
        self.cpus_per_child = cpus_per_child
        self.gpus_per_child = gpus_per_child
        self.num_cpus = num_cpus
        self.max_in_flight = max_in_flight
        self.retries = retries
        self.child_timeout = child_timeout
        self._ray: Any = None
        self._remote: Any = None
        self._started_ray = False
        self._guardian: subprocess.Popen[bytes] | None = None
        self._data: Dataset | None = None
        self._data_ref: Any = None

    @property
    def compute_share(self) -> float:
        """What one child trains with against the final training: its fraction of a GPU, or its CPUs
        out of this process's threads (a cluster's nodes are taken to be like this machine)."""
        if self.gpus_per_child > 0:
            return min(1.0, self.gpus_per_child)
        return thread_share(self.cpus_per_child)

    def _connect(self) -> Any:
        if self._ray is not None:
            return self._ray
        try:
            import ray
        except ImportError as error:
            raise ValueError("the ray executor needs Ray: pip install 'eas[ray]' (or pip install ray)") from error
        if not ray.is_initialized():
            if self.address is None:
                # Ray's processes outlived a search killed with SIGKILL by minutes; the guardian ends them.
                self._guardian = start_guardian(os.getpid())
                ray.init(num_cpus=self.num_cpus, include_dashboard=False, log_to_driver=False)
            else:
                ray.init(address=self.address, log_to_driver=False)
            self._started_ray = True
        self._ray = ray
        self._remote = ray.remote(run_child_message).options(
            num_cpus=self.cpus_per_child, num_gpus=self.gpus_per_child, max_retries=0
        )
        return ray

    def close(self) -> None:
        """Drop the stored dataset and shut down the Ray instance this executor started (and its guardian:
        nothing is left for it to end)."""
        if self._ray is not None and self._started_ray:
            self._ray.shutdown()
        if self._guardian is not None:
            self._guardian.terminate()
            self._guardian.wait()
            self._guardian = None
        self._ray = self._remote = self._data = self._data_ref = None
        self._started_ray = False

    def __enter__(self) -> RayExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _slots(self, ray: Any) -> int:
        if self.max_in_flight is not None:
            return max(1, self.max_in_flight)
        resources = ray.cluster_resources()
        slots = int(resources.get("CPU", 1)) // self.cpus_per_child
        if self.gpus_per_child > 0:
            # Tasks beyond the free GPUs would only queue, and their queueing would count as their run time.
            slots = min(slots, int(resources.get("GPU", 0) / self.gpus_per_child))
        return max(1, slots)

    def run(
        self,
        tasks: Sequence[ChildTask],
        data: Dataset,
        *,
        on_result: Callable[[ChildResult], None],
        should_stop: Callable[[], bool],
        emit: EventCallback,
    ) -> None:
        """Submit `tasks` as Ray tasks, at most the cluster's slots at once; results arrive as they finish."""
        if not tasks:
            return
        ray = self._connect()
        if self._data is not data:
            self._data, self._data_ref = data, ray.put(data)
        parents: dict[str, Any] = {}
        queue = deque(tasks)
        attempts = Attempts(self.retries)
        running: dict[Any, tuple[ChildTask, float]] = {}
        slots = self._slots(ray)
        while True:
            while queue and len(running) < slots and not should_stop():
                task = queue.popleft()
                key = parent_key(task)
                if key is not None and key not in parents:
                    parents[key] = ray.put(task.parent_state)
                fields = task_message(task, device="cuda" if self.gpus_per_child > 0 else None)
                state = parents[key] if key is not None else None
                reference = self._remote.remote(fields, state, self._data_ref, self.cpus_per_child)
                running[reference] = (task, time.monotonic())
                attempts.started(task)
                emit("trial_start", {"trial_id": task.trial_id, "tasks": len(tasks)})
            if not running:
                return
            done, _ = ray.wait(list(running), num_returns=1, timeout=_POLL_SECONDS)
            for reference in done:
                task, started = running.pop(reference)
                try:
                    message = ray.get(reference)
                except Exception as error:  # a crashed worker, out of memory, a cancelled task
                    self._lost(task, queue, attempts, on_result, f"Ray task failed: {_short(error)}", started)
                    continue
                on_result(result_from_message(message))
            if self.child_timeout is not None:
                now = time.monotonic()
                for reference, (task, started) in list(running.items()):
                    if now - started > self.child_timeout:
                        ray.cancel(reference, force=True)
                        del running[reference]
                        reason = f"timed out after {self.child_timeout:g} s"
                        self._lost(task, queue, attempts, on_result, reason, started)

    def _lost(
        self,
        task: ChildTask,
        queue: deque[ChildTask],
        attempts: Attempts,
        on_result: Callable[[ChildResult], None],
        reason: str,
        started: float,
    ) -> None:
        logger.warning("trial %s: %s", task.trial_id, reason)
        failed = attempts.lost(task, reason, time.monotonic() - started)
        if failed is None:
            queue.appendleft(task)
        else:
            on_result(failed)


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[-1] if text else ''}"
