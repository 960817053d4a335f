"""The search loop: the strategy proposes an episode, the executor trains it, the store remembers.

`run_search` is resumable by construction: proposals are stored before any training, each finished
trial is one transaction, and the strategy is checkpointed after each episode's update, so re-running
on the same run directory continues where the last process stopped without retraining anything.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eas.data import Dataset
from eas.executors import EventCallback, Executor, LocalExecutor
from eas.search.budget import Budget
from eas.search.config import SearchConfig, load_search_data
from eas.search.cost import target_flops, target_seconds_per_image
from eas.search.environment import record_environment
from eas.search.episode import EpisodeRunner, cut_episode_note, scored_accuracies
from eas.search.final import train_final
from eas.search.run import Network, best_network
from eas.search.rundir import RunDirectory
from eas.search.stages import stage_begins, stage_start
from eas.search.start import prepare_start
from eas.search.store import RunLock, TrialStore
from eas.search.strategies import Strategy, make_strategy
from eas.search.strategies.base import Proposal, SearchContext
from eas.search.trial import Trial
from eas.search.write_errors import named_write_errors

logger = logging.getLogger("eas.search")
# Store metadata key of each episode's table row: `episode/0`, `episode/1`, ...
EPISODE_META_PREFIX = "episode/"


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
    final: dict[str, Any] | None = None


@dataclass
class _Session:
    """What one process's search works with."""

    config: SearchConfig
    directory: RunDirectory
    store: TrialStore
    budget: Budget
    data: Dataset
    executor: Executor
    emit: EventCallback


def run_search(
    config: SearchConfig,
    run_dir: str | Path,
    *,
    data: Dataset | None = None,
    executor: Executor | None = None,
    on_event: EventCallback | None = None,
) -> SearchSummary:
    """Run (or resume) a search in `run_dir` until a budget is reached; returns a summary.

    `executor` defaults to running children one after another in this process. A second process on
    the same run directory raises `RunLockedError`; a run directory that cannot be written (disk full,
    read-only) raises `RunDirectoryWriteError`, which says how to fix it and resume.
    """
    directory = RunDirectory(run_dir)
    emit = on_event or (lambda kind, payload: None)
    with named_write_errors(directory.root), RunLock(directory.root):
        config = directory.resolve_config(config)
        record_environment(directory.root, config)
        handler = _attach_log(directory.log_path)
        store = TrialStore(directory.store_path)
        budget = Budget(config, store)
        try:
            session = _Session(
                config,
                directory,
                store,
                budget,
                load_search_data(config) if data is None else data,
                LocalExecutor() if executor is None else executor,
                emit,
            )
            return _search(session)
        finally:
            try:
                budget.save()  # on a full disk this fails too: the store must still be closed
            finally:
                store.close()
                logging.getLogger("eas").removeHandler(handler)
                handler.close()


def _search(session: _Session) -> SearchSummary:
    config, directory, store, budget = session.config, session.directory, session.store, session.budget
    start = prepare_start(config, directory, store, session.data, session.emit)
    strategy = make_strategy(config)
    episodes_completed, strategy_state = directory.load_progress()
    strategy.load_state_dict(strategy_state)
    logger.info("search %s: strategy %s, %d episodes already done", directory.root, strategy.name, episodes_completed)

    runner = EpisodeRunner(config, directory, store, session.data, session.executor, session.emit, budget)

    def best_so_far() -> Network:
        return best_network(directory, store, runner.score) or start

    context = SearchContext(config, start, best_so_far)
    history: list[dict[str, Any]] = []
    stopped = budget.exhausted(episodes_completed)
    while stopped is None:
        runner.cost_target = _cost_target(session, start.spec.flops())
        context.start = stage_start(
            config,
            directory,
            store,
            session.data,
            start,
            episodes_completed,
            session.emit,
            runner.score,
            deadline=budget.search_deadline(),
        )
        row = _run_episode(session, strategy, context, runner, episodes_completed)
        if row is None:
            stopped = budget.exhausted(episodes_completed) or "stopped part-way through an episode"
            break
        episodes_completed += 1
        history.append(row)
        stopped = budget.exhausted(episodes_completed)
    session.emit("stopped", {"reason": stopped})
    final = None
    runner.cost_target = _cost_target(session, start.spec.flops())
    if config.train_final:
        final = train_final(config, directory, store, session.data, budget, runner.score, session.emit)
    return SearchSummary(
        run_dir=directory.root,
        best=store.best(),
        start_accuracy=start.validation_accuracy,
        episodes_completed=episodes_completed,
        networks_trained=store.count_trained(),
        elapsed_seconds=budget.elapsed(),
        stopped_because=stopped,
        history=history,
        final=final,
    )


def _cost_target(session: _Session, start_flops: int) -> float | None:
    """What the final training can afford per image: FLOPs, from the fastest training speed seen (or the
    start network's FLOPs, when the config says so), or training seconds (`cost_measure` "time")."""
    images = len(session.data.train) + len(session.data.validation)
    if session.config.cost_measure == "time":
        target = target_seconds_per_image(session.config, images)
        if target is not None:
            logger.info("cost-aware search: training slower than %.3g ms per image lowers the reward", target * 1e3)
        return target
    speed = session.store.get_meta("train_flops_per_second")
    target = target_flops(session.config, speed, images, start_flops)
    if target is not None:
        logger.info("cost-aware search: FLOPs above %.3g per image lower the reward", target)
    return target


def _run_episode(
    session: _Session, strategy: Strategy, context: SearchContext, runner: EpisodeRunner, episode: int
) -> dict[str, Any] | None:
    """Propose, evaluate and learn from one episode; None when a budget stopped it part-way."""
    proposals = strategy.propose(episode, context)
    own = len(proposals)
    if session.config.parent_twin and stage_begins(session.config, episode):
        # The stage's start unchanged, fine-tuned as its children are (SearchConfig.parent_twin); last,
        # so the strategy's children keep their slots and seeds.
        proposals = [*proposals, Proposal(context.start, ())]
    trials = runner.run(episode, proposals)
    if not all(trial.finished for trial in trials):
        scored = scored_accuracies(trials[:own])
        cut: dict[str, Any] = {"episode": episode, "children": own, "scored": len(scored)}
        if len(trials) > own:
            # A budget that cuts the stage's first episode may end the search (a short search has one
            # episode): still say what the children that finished gained over the twin.
            note = cut_episode_note(len(scored), own)
            cut.update(_twin_figures({"max_accuracy": max(scored, default=math.nan)}, trials[own], note))
        session.emit("episode_cut", cut)
        return None
    rewards = [runner.reward_of(trial) for trial in trials]
    # The strategy learns from its own proposals only, and the episode's figures are theirs.
    stats = strategy.observe(episode, trials[:own], rewards[:own])
    row = runner.episode_row(episode, trials[:own], rewards[:own], stats)
    if len(trials) > own:
        row.update(_twin_figures(row, trials[own]))
    # Kept for reports (mean reward, baseline, entropy per episode). Written before the checkpoint: a
    # process killed in between re-runs this episode and overwrites the row.
    session.store.set_meta(f"{EPISODE_META_PREFIX}{episode}", row)
    session.directory.save_progress(episode + 1, strategy.state_dict())
    session.budget.save()
    logger.info("episode %d: %s", episode, row)
    session.emit("episode_end", row)
    return row


def _twin_figures(row: dict[str, Any], twin: Trial, note: str = "") -> dict[str, Any]:
    """The twin's validation accuracy beside the best child's of the episode's `row`: what growth gained
    (logged, with `note` after it)."""
    best = row["max_accuracy"]  # NaN when no child of the strategy's succeeded
    figures: dict[str, Any] = {"twin_accuracy": twin.validation_accuracy}
    if twin.validation_accuracy is not None and not math.isnan(best):
        figures["growth_gain"] = best - twin.validation_accuracy
        logger.info(
            "the stage's start fine-tuned unchanged (trial %s): %.4f validation; best child %.4f (%+.2f points)%s",
            twin.trial_id,
            twin.validation_accuracy,
            best,
            100 * figures["growth_gain"],
            note,
        )
    return figures


def _attach_log(path: Path) -> logging.Handler:
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    package_logger = logging.getLogger("eas")
    package_logger.addHandler(handler)
    if package_logger.level == logging.NOTSET or package_logger.level > logging.INFO:
        package_logger.setLevel(logging.INFO)
    return handler


__all__ = ["SearchSummary", "run_search"]
