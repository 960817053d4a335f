"""`LocalExecutor`: children trained one after another in this process (uses all its threads)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from eas.data import Dataset
from eas.search.child import ChildResult, ChildTask, evaluate_child


class LocalExecutor:
    """The default executor: sequential, in-process, so no data is copied between processes."""

    def run(
        self,
        tasks: Sequence[ChildTask],
        data: Dataset,
        *,
        on_result: Callable[[ChildResult], None],
        should_stop: Callable[[], bool],
        emit: Callable[[str, dict[str, Any]], None],
    ) -> None:
        """Evaluate each task in order; stop before the next one once `should_stop()` is true."""
        for position, task in enumerate(tasks):
            if should_stop():
                return
            emit("trial_start", {"trial_id": task.trial_id, "position": position, "tasks": len(tasks)})

            def progress(event: Any, trial_id: int = task.trial_id) -> None:
                emit("progress", {"label": f"trial {trial_id}", "progress": event})

            on_result(evaluate_child(task, data, progress=progress))
