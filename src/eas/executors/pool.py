"""`PoolExecutor`: children trained in parallel by worker processes on this machine.

One worker per GPU when there are GPUs (each sees only its own, through CUDA_VISIBLE_DEVICES), else N
CPU workers with the cores split between them. Tasks and results cross a pipe as plain messages
(`eas.evaluation.messages`): spec JSON, edits, recipe, tensors; a worker keeps the current parent's
weights, so an episode's parent is sent once per worker. The parent process watches each worker:
one that dies (a crash, the kernel's out-of-memory killer) or runs past `child_timeout` is replaced,
and its child is tried again or reported failed, so the search always gets a result per child.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection, wait
from typing import Any

import torch

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
from eas.executors.retry import DEFAULT_RETRIES, Attempts

logger = logging.getLogger(__name__)

# How often the parent wakes up to check deadlines and timeouts while every worker is busy.
_POLL_SECONDS = 0.5
# Progress messages are throttled so a fast training loop does not flood the pipe.
_PROGRESS_SECONDS = 1.0
_MAX_DEFAULT_WORKERS = 8


def _worker_main(connection: Connection, data: Dataset, threads: int, visible_devices: str | None) -> None:
    """A worker's loop: receive (task, parent key, parent weights or None), send progress and the result."""
    if visible_devices is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = visible_devices
    # Ctrl-C reaches the whole process group; the parent decides what stops, not the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(threads)
    parents: dict[str, dict[str, torch.Tensor]] = {}
    while True:
        try:
            message = connection.recv()
        except EOFError:
            return
        if message is None:
            return
        task_fields, key, state = message
        if state is not None:
            parents = {key: state}  # one parent at a time: an episode's children share it
        task = task_from_message(task_fields, parents.get(key) if key is not None else None)
        last = [0.0]

        def progress(event: Any, trial_id: int = task.trial_id, last: list[float] = last) -> None:
            now = time.monotonic()
            if now - last[0] >= _PROGRESS_SECONDS:
                last[0] = now
                connection.send(("progress", trial_id, event))

        result = evaluate_child(task, data, progress=progress)
        connection.send(("result", result_message(result)))


@dataclass
class _Worker:
    process: Any
    connection: Connection
    visible_devices: str | None
    parent: str | None = None  # key of the parent weights this worker holds
    task: ChildTask | None = None
    started: float = 0.0


class PoolExecutor:
    """Children in parallel on worker processes; see the module docstring.

    `workers` defaults to the number of GPUs, or the CPU cores (at most 8); `threads_per_worker` to the
    cores divided between the workers. `retries` is how many times a child whose worker died or timed
    out is tried again; `child_timeout` (seconds, None: none) bounds one child's wall time. Call
    `close()` (or use it as a context manager) to stop the workers.
    """

    def __init__(
        self,
        workers: int | None = None,
        threads_per_worker: int | None = None,
        *,
        gpus: int | None = None,
        retries: int = DEFAULT_RETRIES,
        child_timeout: float | None = None,
    ) -> None:
        self.gpus = torch.cuda.device_count() if gpus is None else gpus
        cores = os.cpu_count() or 1
        default_workers = self.gpus if self.gpus > 0 else min(cores, _MAX_DEFAULT_WORKERS)
        self.workers = default_workers if workers is None else workers
        if isinstance(self.workers, bool) or not isinstance(self.workers, int) or self.workers < 1:
            raise ValueError(f"workers must be a positive integer, got {workers!r}")
        self.threads_per_worker = max(1, cores // self.workers) if threads_per_worker is None else threads_per_worker
        if self.threads_per_worker < 1:
            raise ValueError(f"threads_per_worker must be >= 1, got {threads_per_worker}")
        if child_timeout is not None and not child_timeout > 0:
            raise ValueError(f"child_timeout must be a positive number of seconds or None, got {child_timeout}")
        self.retries = retries
        Attempts(retries)  # validates
        self.child_timeout = child_timeout
        self._context = multiprocessing.get_context("spawn")
        self._pool: list[_Worker] = []
        self._data: Dataset | None = None

    @property
    def compute_share(self) -> float:
        """The fraction of the final training's compute one child trains with: its worker's threads out
        of this process's on CPU; its share of a GPU when workers outnumber the GPUs."""
        if self.gpus > 0:
            return min(1.0, self.gpus / self.workers)
        return thread_share(self.threads_per_worker)

    # ----- lifecycle -----------------------------------------------------------------------------
    def __enter__(self) -> PoolExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker (politely, then by force)."""
        for worker in self._pool:
            with contextlib.suppress(BrokenPipeError, OSError):
                worker.connection.send(None)
        for worker in self._pool:
            worker.process.join(timeout=5)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.connection.close()
        self._pool = []
        self._data = None

    def _start_worker(self, slot: int) -> _Worker:
        assert self._data is not None
        visible = str(slot % self.gpus) if self.gpus > 0 else None
        ours, theirs = self._context.Pipe()
        process = self._context.Process(
            target=_worker_main,
            args=(theirs, self._data, self.threads_per_worker, visible),
            name=f"eas-worker-{slot}",
            daemon=True,
        )
        process.start()
        theirs.close()
        return _Worker(process, ours, visible)

    def _ensure_workers(self, data: Dataset) -> None:
        if self._data is not data:
            self.close()
            self._data = data
        while len(self._pool) < self.workers:
            self._pool.append(self._start_worker(len(self._pool)))

    # ----- running -------------------------------------------------------------------------------
    def run(
        self,
        tasks: Sequence[ChildTask],
        data: Dataset,
        *,
        on_result: Callable[[ChildResult], None],
        should_stop: Callable[[], bool],
        emit: EventCallback,
    ) -> None:
        """Train `tasks` on the workers; results come back through `on_result` as they finish."""
        if not tasks:
            return
        self._ensure_workers(data)
        queue = deque(tasks)
        attempts = Attempts(self.retries)
        while True:
            for slot, worker in enumerate(self._pool):
                if worker.task is None and queue and not should_stop():
                    self._send(slot, worker, queue.popleft(), attempts, emit, len(tasks))
            busy = [worker for worker in self._pool if worker.task is not None]
            if not busy:
                return
            waitables: list[Any] = [worker.connection for worker in busy] + [worker.process.sentinel for worker in busy]
            ready = set(wait(waitables, timeout=_POLL_SECONDS))
            for slot, worker in enumerate(self._pool):
                if worker.task is None:
                    continue
                if worker.connection in ready:
                    self._receive(slot, worker, queue, attempts, on_result, emit)
                elif worker.process.sentinel in ready:
                    self._lost(slot, worker, queue, attempts, on_result, _death_reason(worker.process))
                elif self.child_timeout is not None and time.monotonic() - worker.started > self.child_timeout:
                    self._lost(slot, worker, queue, attempts, on_result, f"timed out after {self.child_timeout:g} s")

    def _send(
        self, slot: int, worker: _Worker, task: ChildTask, attempts: Attempts, emit: EventCallback, total: int
    ) -> None:
        key = parent_key(task)
        # The worker sees one GPU, its own, as cuda:0.
        fields = task_message(task, device="cuda" if self.gpus > 0 else None)
        state = task.parent_state if key is not None and key != worker.parent else None
        worker.task = task
        worker.started = time.monotonic()
        attempts.started(task)
        try:
            worker.connection.send((fields, key, state))
        except (BrokenPipeError, OSError):
            # The worker died before it took the task (it failed to start, say); the main loop sees its
            # sentinel and replaces it.
            return
        worker.parent = key if key is not None else worker.parent
        emit("trial_start", {"trial_id": task.trial_id, "worker": slot, "tasks": total})

    def _receive(
        self,
        slot: int,
        worker: _Worker,
        queue: deque[ChildTask],
        attempts: Attempts,
        on_result: Callable[[ChildResult], None],
        emit: EventCallback,
    ) -> None:
        assert worker.task is not None
        try:
            kind, *payload = worker.connection.recv()
        except (EOFError, OSError):
            self._lost(slot, worker, queue, attempts, on_result, _death_reason(worker.process))
            return
        if kind == "progress":
            trial_id, event = payload
            emit("progress", {"label": f"trial {trial_id}", "progress": event})
            return
        result = result_from_message(payload[0])
        if self.gpus > 0 and result.state is not None:
            result = replace(result, state={key: value.cpu() for key, value in result.state.items()})
        worker.task = None
        on_result(result)

    def _lost(
        self,
        slot: int,
        worker: _Worker,
        queue: deque[ChildTask],
        attempts: Attempts,
        on_result: Callable[[ChildResult], None],
        reason: str,
    ) -> None:
        """The worker died or timed out: replace it, then retry its child or report it failed."""
        task = worker.task
        assert task is not None
        seconds = time.monotonic() - worker.started
        logger.warning("trial %s: worker %s %s", task.trial_id, slot, reason)
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join()
        worker.connection.close()
        self._pool[slot] = self._start_worker(slot)
        failed = attempts.lost(task, f"worker {reason}", seconds)
        if failed is None:
            queue.appendleft(task)
        else:
            on_result(failed)


def _death_reason(process: Any) -> str:
    """Why a worker process ended. Its sentinel fires, and its pipe closes, as it closes its files, a
    moment before it can be reaped: join it first, or its exit status (SIGKILL, say) may read None."""
    process.join(timeout=5)
    exitcode = process.exitcode
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        name = signal.Signals(number).name if number in signal.valid_signals() else str(number)
        hint = " (the out-of-memory killer sends SIGKILL)" if number == signal.SIGKILL else ""
        return f"process died from signal {name}{hint}"
    return f"process exited with status {exitcode}"
