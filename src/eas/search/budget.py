"""`Budget`: the wall-clock, network-count and episode limits of a search; elapsed time survives resumes."""

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

    def save(self) -> None:
        """Persist the elapsed time."""
        self.store.set_meta("elapsed_seconds", self.elapsed())

    def exhausted(self, episodes_completed: int | None) -> str | None:
        """Why the search must stop now, or None (`episodes_completed` None: inside an episode, where
        only the time and network budgets apply)."""
        config = self.config
        if config.time_budget is not None and self.elapsed() >= config.time_budget:
            return f"time budget of {config.time_budget:.0f} s reached"
        if config.max_networks is not None and self.store.count_trained() >= config.max_networks:
            return f"{config.max_networks} networks trained"
        if config.episodes is not None and episodes_completed is not None and episodes_completed >= config.episodes:
            return f"{config.episodes} episodes done"
        return None
