"""The executor protocol shared by the local, process-pool and cluster executors.

An executor owns the threads and devices its children run on; library code below it never sets them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

import torch

from eas.data import Dataset
from eas.evaluation import ChildResult, ChildTask

EventCallback = Callable[[str, dict[str, Any]], None]


class Executor(Protocol):
    """Runs child tasks; calls `on_result` once per finished task, in any order."""

    def run(
        self,
        tasks: Sequence[ChildTask],
        data: Dataset,
        *,
        on_result: Callable[[ChildResult], None],
        should_stop: Callable[[], bool],
        emit: EventCallback,
    ) -> None:
        """Run `tasks` until done or until `should_stop()` says so before starting the next one."""


def compute_share(executor: object) -> float:
    """The fraction of this process's compute (what the final training runs with) that one child of
    `executor` trains with, from its `compute_share` attribute (1.0 for executors without one).

    A child timed on one of two cores reads about twice as slow as the final training will run; the
    cost-aware search divides the children's measured speed by this share so that its estimate of what
    the final training can afford does not depend on the executor."""
    share = getattr(executor, "compute_share", 1.0)
    return float(share) if isinstance(share, int | float) and 0.0 < share <= 1.0 else 1.0


def thread_share(threads: int | None) -> float:
    """`threads` as a fraction of this process's torch threads (1.0 for None or more)."""
    if threads is None:
        return 1.0
    return min(1.0, threads / max(torch.get_num_threads(), 1))
