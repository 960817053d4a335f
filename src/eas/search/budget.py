"""`Budget`: the wall-clock, network-count and episode limits of a search; elapsed time survives resumes.

With `train_final` the time budget covers the whole job: the search stops at its share, the final
training gets what is left.
"""

from __future__ import annotations

import time

from eas.search.config import SearchConfig
from eas.search.store import TrialStore


class Budget:
    """Wall-clock, network-count and episode limits; elapsed time accumulates across resumes."""

    def __init__(self, config: SearchConfig, store: TrialStore) -> None:
        self.config = config
        self.store = store
        self.previous = float(store.get_meta("elapsed_seconds", 0.0))
        self.session_start = time.perf_counter()

    def elapsed(self) -> float:
        """Seconds spent on this run so far, earlier processes included."""
        return self.previous + time.perf_counter() - self.session_start

    def search_deadline(self) -> float | None:
        """The `time.time()` at which the search's share of the time budget ends (None: no limit)."""
        search_seconds = self.config.search_seconds
        return None if search_seconds is None else time.time() + search_seconds - self.elapsed()

    def seconds_left(self) -> float | None:
        """Seconds left of the whole time budget (None: no limit)."""
        budget = self.config.time_budget
        return None if budget is None else budget - self.elapsed()

    def save(self) -> None:
        """Persist the elapsed time."""
        self.store.set_meta("elapsed_seconds", self.elapsed())

    def exhausted(self, episodes_completed: int | None) -> str | None:
        """Why the search must stop now, or None (`episodes_completed` None: inside an episode, where
        only the time and network budgets apply)."""
        config = self.config
        search_seconds = config.search_seconds
        if search_seconds is not None and self.elapsed() >= search_seconds:
            if config.train_final:
                return f"the search's {search_seconds:.0f} s of the {config.time_budget:.0f} s budget are spent"
            return f"time budget of {search_seconds:.0f} s reached"
        if config.max_networks is not None and self.store.count_trained() >= config.max_networks:
            return f"{config.max_networks} networks trained"
        if config.episodes is not None and episodes_completed is not None and episodes_completed >= config.episodes:
            return f"{config.episodes} episodes done"
        return None
