"""`LocalExecutor`: children trained one after another in this process."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import torch

from eas.data import Dataset
from eas.evaluation import ChildResult, ChildTask, evaluate_child
from eas.executors.base import EventCallback, thread_share


class LocalExecutor:
    """The default executor: sequential, in-process, so no data is copied between processes.

    `threads` sets torch's intra-op threads while a child trains (None: leave the process setting),
    and restores the previous value afterwards, so the caller's own work keeps its setting.
    """

    def __init__(self, threads: int | None = None) -> None:
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be a positive number or None, got {threads}")
        self.threads = threads

    @property
    def compute_share(self) -> float:
        """The fraction of the process's threads a child trains with (see `eas.executors.base`)."""
        return thread_share(self.threads)

    def run(
        self,
        tasks: Sequence[ChildTask],
        data: Dataset,
        *,
        on_result: Callable[[ChildResult], None],
        should_stop: Callable[[], bool],
        emit: EventCallback,
    ) -> None:
        """Evaluate each task in order; stop before the next one once `should_stop()` is true."""
        for position, task in enumerate(tasks):
            if should_stop():
                return
            emit("trial_start", {"trial_id": task.trial_id, "position": position, "tasks": len(tasks)})

            def progress(event: Any, trial_id: int = task.trial_id) -> None:
                emit("progress", {"label": f"trial {trial_id}", "progress": event})

            with self._threads():
                result = evaluate_child(task, data, progress=progress)
            on_result(result)

    @contextmanager
    def _threads(self) -> Iterator[None]:
        if self.threads is None:
            yield
            return
        previous = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            yield
        finally:
            torch.set_num_threads(previous)
