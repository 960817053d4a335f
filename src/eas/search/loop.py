"""The search loop: the strategy proposes an episode, the executor trains it, the store remembers.

`run_search` is resumable by construction: proposals are stored before any training, each finished
trial is one transaction, and the strategy is checkpointed after each episode's update, so re-running
on the same run directory continues where the last process stopped without retraining anything.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eas.data import Dataset
from eas.search.config import SearchConfig, load_search_data
from eas.search.episode import EpisodeRunner
from eas.search.rundir import RunDirectory
from eas.search.start import prepare_start, stage_start
from eas.search.store import RunLock, Trial, TrialStore
from eas.search.strategies import make_strategy
from eas.search.strategies.base import Network, SearchContext

logger = logging.getLogger("eas.search")

EventCallback = Callable[[str, dict[str, Any]], None]


@dataclass
class SearchSummary:
    """How a search ended and what it found."""

    run_dir: Path
    best: Trial | None
    start_accuracy: float | None
    episodes_completed: int
    networks_trained: int
    elapsed_seconds: float
    stopped_because: str
    history: list[dict[str, Any]] = field(default_factory=list)


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


def run_search(
    config: SearchConfig,
    run_dir: str | Path,
    *,
    data: Dataset | None = None,
    executor: Any = None,
    on_event: EventCallback | None = None,
) -> SearchSummary:
    """Run (or resume) a search in `run_dir` until a budget is reached; returns a summary.

    `executor` defaults to running children one after another in this process. A second process on
    the same run directory raises `RunLockedError`.
    """
    directory = RunDirectory(run_dir)
    emit = on_event or (lambda kind, payload: None)
    with RunLock(directory.root):
        config = directory.resolve_config(config)
        handler = _attach_log(directory.log_path)
        store = TrialStore(directory.store_path)
        budget = Budget(config, store)
        try:
            return _search(config, directory, store, budget, data, executor, emit)
        finally:
            budget.save()
            store.close()
            logging.getLogger("eas").removeHandler(handler)
            handler.close()


def _search(
    config: SearchConfig,
    directory: RunDirectory,
    store: TrialStore,
    budget: Budget,
    data: Dataset | None,
    executor: Any,
    emit: EventCallback,
) -> SearchSummary:
    if data is None:
        data = load_search_data(config)
    if executor is None:
        from eas.executors import LocalExecutor

        executor = LocalExecutor()
    start = prepare_start(config, directory, store, data, emit)
    strategy = make_strategy(config)
    episodes_completed, strategy_state = directory.load_progress()
    strategy.load_state_dict(strategy_state)
    logger.info("search %s: strategy %s, %d episodes already done", directory.root, strategy.name, episodes_completed)

    def best_network() -> Network:
        best = store.best()
        if best is None or best.trial_id is None or best.episode < 0 or not directory.has_network(best.trial_id):
            return start
        spec, state, _ = directory.load_network(best.trial_id)
        return Network(spec, state, best.trial_id, best.validation_accuracy)

    context = SearchContext(config, start, best_network)
    runner = EpisodeRunner(config, directory, store, data, executor, emit, budget)
    history: list[dict[str, Any]] = []
    stopped = budget.exhausted(episodes_completed)
    while stopped is None:
        episode = episodes_completed
        context.start = stage_start(config, directory, store, start, episode, emit)
        proposals = strategy.propose(episode, context)
        trials = runner.run(episode, proposals)
        if not all(trial.finished for trial in trials):
            stopped = budget.exhausted(episodes_completed) or "stopped part-way through an episode"
            break
        rewards = [runner.reward_of(trial) for trial in trials]
        stats = strategy.observe(episode, trials, rewards)
        episodes_completed = episode + 1
        directory.save_progress(episodes_completed, strategy.state_dict())
        budget.save()
        row = runner.episode_row(episode, trials, rewards, stats)
        history.append(row)
        logger.info("episode %d: %s", episode, row)
        emit("episode_end", row)
        stopped = budget.exhausted(episodes_completed)
    emit("stopped", {"reason": stopped})
    return SearchSummary(
        run_dir=directory.root,
        best=store.best(),
        start_accuracy=start.validation_accuracy,
        episodes_completed=episodes_completed,
        networks_trained=store.count_trained(),
        elapsed_seconds=budget.elapsed(),
        stopped_because=stopped,
        history=history,
    )


def _attach_log(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    package_logger = logging.getLogger("eas")
    package_logger.addHandler(handler)
    if package_logger.level == logging.NOTSET or package_logger.level > logging.INFO:
        package_logger.setLevel(logging.INFO)
    return handler


__all__ = ["Budget", "SearchSummary", "run_search"]
