"""What an executor does when a child's worker dies or times out: try again, up to a limit, then report
the child as failed with the reason, so the search goes on."""

from __future__ import annotations

from collections import Counter

from eas.evaluation import ChildResult, ChildTask, failed_result

DEFAULT_RETRIES = 1


class Attempts:
    """Counts the attempts of each trial; `retries` more after the first are allowed."""

    def __init__(self, retries: int = DEFAULT_RETRIES) -> None:
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise ValueError(f"retries must be an integer >= 0, got {retries!r}")
        self.retries = retries
        self._counts: Counter[int] = Counter()

    def started(self, task: ChildTask) -> None:
        """Record one more attempt of `task`."""
        self._counts[task.trial_id] += 1

    def lost(self, task: ChildTask, reason: str, seconds: float) -> ChildResult | None:
        """The attempt of `task` ended without a result: None when it may run again, else its failed result."""
        if self._counts[task.trial_id] <= self.retries:
            return None
        tries = self._counts[task.trial_id]
        return failed_result(task, f"{reason} (after {tries} attempt{'s' if tries > 1 else ''})", seconds)
