"""The executor protocol shared by the local, process-pool and cluster executors.

An executor owns the threads and devices its children run on; library code below it never sets them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

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
