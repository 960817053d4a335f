"""One episode: store the proposals, answer repeats from the cache, train the rest, keep the best.

A resumed episode finds its proposals already stored; it trains only the trials still pending.
"""

from __future__ import annotations

import logging
import math
from typing import Any

from eas.data import Dataset
from eas.evaluation import OK, PENDING, ChildResult, ChildTask
from eas.executors import EventCallback, Executor
from eas.executors.base import compute_share
from eas.search.budget import Budget
from eas.search.config import SearchConfig
from eas.search.cost import TRAIN_FLOPS_PER_FORWARD_FLOP, child_training_images, cost_factor, measured_flops_per_second
from eas.search.reward import trial_reward
from eas.search.run import ranked_trials
from eas.search.rundir import RunDirectory
from eas.search.seeds import trial_seed
from eas.search.store import TrialStore
from eas.search.strategies.base import Proposal
from eas.search.trial import Trial
from eas.spec import edited_spec

logger = logging.getLogger(__name__)


def scored_accuracies(trials: list[Trial]) -> list[float]:
    """The validation accuracies of the trials that trained and scored (failed, cut and pending ones have none)."""
    return [t.validation_accuracy for t in trials if t.status == OK and t.validation_accuracy is not None]


def cut_episode_note(scored: int, children: int) -> str:
    """What the log and the printed view append to the twin's line of an episode the budget cut."""
    return f" (the budget cut the episode: {scored} of {children} children scored)"


class TooManyFailuresError(RuntimeError):
    """`max_consecutive_failures` children in a row failed or diverged: the search stops, since the
    cause (a setting, the machine) would fail every later child the same way."""


class EpisodeRunner:
    """Runs the trials of one episode through an executor and records them."""

    def __init__(
        self,
        config: SearchConfig,
        directory: RunDirectory,
        store: TrialStore,
        data: Dataset,
        executor: Executor,
        emit: EventCallback,
        budget: Budget,
        cost_target: float | None = None,
    ) -> None:
        # In the unit of `cost_of`: FLOPs per image, or training seconds per image (`cost_measure`).
        self.cost_target = cost_target
        self.config = config
        self.directory = directory
        self.store = store
        self.data = data
        self.executor = executor
        self.emit = emit
        self.budget = budget

    def run(self, episode: int, proposals: list[Proposal]) -> list[Trial]:
        """Evaluate the episode's proposals; returns its trials (some still pending if a budget ran out)."""
        trials = self.store.add_pending([self._trial(episode, slot, p) for slot, p in enumerate(proposals)])
        for trial, proposal in zip(trials, proposals, strict=True):
            expected = edited_spec(proposal.parent.spec, proposal.edits).to_string()
            if trial.arch != expected:
                raise RuntimeError(
                    f"episode {episode} slot {trial.slot}: stored trial {trial.arch!r} differs from the proposal "
                    f"{expected!r}; the run directory was written by another version or config"
                )
        self.emit("episode_start", {"episode": episode, "trials": len(trials)})
        tasks: list[ChildTask] = []
        waiting: list[Trial] = []
        scheduled: dict[tuple[str, int | None], int] = {}
        for trial, proposal in zip(trials, proposals, strict=True):
            if trial.finished:
                continue
            if self._answer_from_cache(trial):
                continue
            if (trial.arch, trial.parent_trial) in scheduled:
                waiting.append(trial)  # a repeat inside the batch is trained once, then copied
                continue
            assert trial.trial_id is not None
            scheduled[trial.arch, trial.parent_trial] = trial.trial_id
            tasks.append(self._task(trial, proposal))
        # A stage's twin (no edits, SearchConfig.parent_twin) trains first: it is its episode's yardstick,
        # and a time budget that ends the search's share part-way through the episode must not cut it.
        tasks.sort(key=lambda task: bool(task.edits))
        by_id = {trial.trial_id: trial for trial in trials}

        def on_result(result: ChildResult) -> None:
            trial = by_id[result.trial_id]
            self._record(trial, result)
            self.budget.save()

        def should_stop() -> bool:
            return self.budget.exhausted(None) is not None or self._failure_streak() is not None

        self.executor.run(tasks, self.data, on_result=on_result, should_stop=should_stop, emit=self.emit)
        streak = self._failure_streak()
        if streak is not None:
            raise TooManyFailuresError(self._streak_message(streak))
        for trial in waiting:
            self._answer_from_cache(trial)
        return self.store.trials(episode)

    def reward_of(self, trial: Trial) -> float | None:
        """The reward of a finished trial (None for failures, which teach nothing), scaled down by its
        cost above the target when the search is cost-aware."""
        value = trial_reward(trial.status, trial.validation_accuracy)
        if value is None:
            return None
        return value * cost_factor(self.cost_of(trial), self.cost_target, self.config.cost_exponent)

    def cost_of(self, trial: Trial) -> float | None:
        """What `trial` costs to train, in the unit of `cost_measure` (None when unknown)."""
        if self.config.cost_measure == "flops":
            return None if trial.flops is None else float(trial.flops)
        if trial.cached_from is not None:
            trial = self._evaluated_twin(trial) or trial
        if trial.is_child and trial.train_seconds:
            seconds = trial.train_seconds * self._share_of(trial)  # as the final training would take
            return seconds / child_training_images(self.config, len(self.data.train))
        fastest = self.store.get_meta("train_flops_per_second")
        if trial.flops is None or not fastest:
            return None
        return trial.flops * TRAIN_FLOPS_PER_FORWARD_FLOP / float(fastest)

    def episode_row(
        self, episode: int, trials: list[Trial], rewards: list[float | None], stats: dict[str, float]
    ) -> dict[str, Any]:
        """The figures of the episode table."""
        accuracies = scored_accuracies(trials)
        known = [r for r in rewards if r is not None]
        best = self.store.best()
        return {
            "episode": episode,
            "networks": len(trials),
            "trained": sum(1 for t in trials if t.cached_from is None and t.status != PENDING),
            "failed": sum(1 for t in trials if t.status not in (OK, PENDING)),
            "mean_accuracy": sum(accuracies) / len(accuracies) if accuracies else math.nan,
            "max_accuracy": max(accuracies) if accuracies else math.nan,
            "mean_reward": sum(known) / len(known) if known else math.nan,
            "best_accuracy": None if best is None else best.validation_accuracy,
            "best_arch": None if best is None else best.arch,
            "elapsed_seconds": self.budget.elapsed(),
            **stats,
        }

    # ----- internals -----------------------------------------------------------------------------
    def _failure_streak(self) -> list[Trial] | None:
        """The latest failed or diverged children when there are `max_consecutive_failures` of them."""
        limit = self.config.max_consecutive_failures
        if limit is None:
            return None
        failures = self.store.latest_failures()
        return failures if len(failures) >= limit else None

    def _streak_message(self, failures: list[Trial]) -> str:
        last = failures[0]
        reason = (last.message or "no message").strip().splitlines()[0]
        return (
            f"{len(failures)} children in a row failed or diverged (max_consecutive_failures is "
            f"{self.config.max_consecutive_failures}); the last, trial {last.trial_id} {last.arch!r}: {last.status}: "
            f"{reason}. The search stopped: a setting or the machine is likely at fault (a learning rate too high, "
            f"too little memory); see the reasons with `eas trials {self.directory.root}`. Everything finished is "
            "kept: re-run the same command with `--set max_consecutive_failures=N` (a larger N, or null for no "
            "limit) to go on, or start a new --run-dir with other settings"
        )

    def _trial(self, episode: int, slot: int, proposal: Proposal) -> Trial:
        spec = edited_spec(proposal.parent.spec, proposal.edits)
        return Trial(
            episode=episode,
            slot=slot,
            arch=spec.to_string(),
            spec_json=spec.to_json(),
            edits=proposal.edits,
            parent_arch=proposal.parent.spec.to_string(),
            parent_trial=proposal.parent.trial_id,
            decisions=proposal.decisions,
            seed=trial_seed(self.config.seed, episode, slot),
            parameters=spec.num_params(),
            flops=spec.flops(),
        )

    def _task(self, trial: Trial, proposal: Proposal) -> ChildTask:
        assert trial.trial_id is not None and trial.seed is not None
        config = self.config
        return ChildTask(
            trial_id=trial.trial_id,
            parent_spec=proposal.parent.spec,
            parent_state=proposal.parent.state if config.weight_reuse else None,
            edits=trial.edits,
            train_config=config.child_training,
            seed=trial.seed,
            weight_reuse=config.weight_reuse,
            widen_noise=config.widen_noise,
            deepen_noise=config.deepen_noise,
            calibration_size=config.calibration_size,
            keep_weights=True,
            deadline=self.budget.search_deadline(),
            train_seed=config.seed if config.common_child_data else None,
        )

    def _answer_from_cache(self, trial: Trial) -> bool:
        # Keyed by the architecture and the parent it inherits from: a repeat reached from another
        # parent (a later stage's start, another hill-climbing step) inherits other weights, so it is
        # trained again (the official code keys on the architecture alone). Without weight reuse every
        # child starts from scratch and the architecture alone decides.
        original = self._evaluated_twin(trial)
        if original is None or original.trial_id == trial.trial_id:
            return False
        trial.status = original.status
        trial.cached_from = original.trial_id
        trial.accuracy_before = original.accuracy_before
        trial.validation_accuracy = original.validation_accuracy
        trial.reward = self.reward_of(original)
        trial.train_seconds = 0.0
        trial.message = f"cached from trial {original.trial_id}"
        self.store.finish(trial)
        self.emit("trial_end", {"trial": trial, "cached": True})
        return True

    def _evaluated_twin(self, trial: Trial) -> Trial | None:
        """The trained trial whose result answers `trial` from the cache (None when there is none)."""
        return self.store.find_evaluated(trial.arch, trial.parent_trial, any_parent=not self.config.weight_reuse)

    def _record(self, trial: Trial, result: ChildResult) -> None:
        trial.status = result.status
        trial.accuracy_before = result.accuracy_before
        trial.validation_accuracy = result.validation_accuracy
        trial.train_seconds = result.train_seconds
        trial.compute_share = compute_share(self.executor)
        trial.message = result.message or None
        trial.reward = self.reward_of(trial)
        # The weights are kept before the result is committed: a process killed in between finds the
        # child still pending and trains it again, where the other order would lose its weights for good.
        kept = result.status == OK and result.state is not None and self._keep_if_best(trial, result)
        self.store.finish(trial)
        if kept:
            self._prune_networks()
        if result.status == OK:
            self.note_speed(trial)
        logger.info(
            "trial %s %s: %s accuracy %s (before training %s) in %.1f s",
            trial.trial_id,
            trial.arch,
            trial.status,
            trial.validation_accuracy,
            trial.accuracy_before,
            trial.train_seconds or 0.0,
        )
        self.emit("trial_end", {"trial": trial, "cached": False})

    def note_speed(self, trial: Trial) -> None:
        """Keep the fastest training FLOP/s seen: larger networks use the cores better than the start
        network, so the cost target (what the final training can afford) follows the best seen."""
        if not trial.train_seconds or not trial.flops:
            return
        images = child_training_images(self.config, len(self.data.train))
        # As the final training would run, with the whole process's threads or device.
        speed = measured_flops_per_second(trial.flops, images / trial.train_seconds) / self._share_of(trial)
        if speed > float(self.store.get_meta("train_flops_per_second", 0.0)):
            self.store.set_meta("train_flops_per_second", speed)

    def _share_of(self, trial: Trial) -> float:
        """The compute share `trial` trained with: stored with it, or (a trial stored before shares were)
        this runner's executor's."""
        return compute_share(self.executor) if trial.compute_share is None else trial.compute_share

    def score(self, trial: Trial) -> float:
        """How good a successful trial is: its reward (cost-aware when the search is)."""
        return self.reward_of(trial) or 0.0

    def _best_children(self, trial: Trial | None = None) -> list[int]:
        """Ids of the `keep_best` best children, `trial` (not committed yet) included when given."""
        children = [t for t in ranked_trials(self.store, self.score) if t.cached_from is None and t.is_child]
        if trial is not None:
            children = [t for t in children if t.trial_id != trial.trial_id] + [trial]
            children.sort(key=lambda t: (-self.score(t), t.trial_id or 0))  # the order of ranked_trials
        return [t.trial_id for t in children if t.trial_id is not None][: self.config.keep_best]

    def _keep_if_best(self, trial: Trial, result: ChildResult) -> bool:
        """Save the child's weights when it ranks among the best; True when it does."""
        assert trial.trial_id is not None and result.state is not None
        if trial.trial_id not in self._best_children(trial):
            return False
        metrics = {"validation_accuracy": trial.validation_accuracy, "trial_id": trial.trial_id, "arch": trial.arch}
        self.directory.save_network(trial.trial_id, result.spec, result.state, metrics)
        return True

    def _prune_networks(self) -> None:
        """Delete the kept networks that no longer rank among the best (after the commit, so a killed
        process never loses a network the store still ranks)."""
        self.directory.prune_networks(set(self._best_children()))
