"""Reading a run: its config, its trials and the best network with its weights.

One API for "the best network of a run", used by the search loop, the stage restarts, the final
training and the command line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from eas.checkpoint import has_checkpoint, load_checkpoint, load_metrics
from eas.evaluation.status import OK
from eas.search.config import SearchConfig
from eas.search.rundir import RunDirectory
from eas.search.store import TrialStore
from eas.search.trial import START_EPISODE, Trial
from eas.spec import Spec


@dataclass(frozen=True)
class Network:
    """A trained network the search can grow: its spec, weights, and the trial that produced it
    (None for the run's start network, the convention children's `parent_trial` follows)."""

    spec: Spec
    state: dict[str, torch.Tensor]
    trial_id: int | None
    validation_accuracy: float | None


def ranked_trials(store: TrialStore, score: Callable[[Trial], float] | None = None) -> list[Trial]:
    """Finished, successful trials from the highest `score` (default: validation accuracy) down,
    earliest first on ties."""
    scored = [t for t in store.trials() if t.status == OK and t.validation_accuracy is not None]
    key = score or (lambda trial: trial.validation_accuracy or 0.0)
    return sorted(scored, key=lambda t: (-key(t), t.trial_id or 0))


def load_network(directory: RunDirectory, trial: Trial) -> Network:
    """The kept weights of `trial` as a `Network` (`FileNotFoundError` when they are not kept)."""
    spec, state, _ = load_checkpoint(directory.trial_dir(trial))
    is_start = trial.episode == START_EPISODE and trial.slot == 0
    return Network(spec, state, None if is_start else trial.trial_id, trial.validation_accuracy)


def best_kept_trial(
    directory: RunDirectory, store: TrialStore, score: Callable[[Trial], float] | None = None
) -> Trial | None:
    """The best trial (by `score`, default validation accuracy) whose weights are kept (cache hits
    point at their original), or None."""
    for trial in ranked_trials(store, score):
        if has_own_weights(directory, trial):
            return trial
    return None


def has_own_weights(directory: RunDirectory, trial: Trial) -> bool:
    """True when `trial`'s weights are kept under its own id (a cache hit's point at its original)."""
    return trial.cached_from is None and directory.has_weights(trial)


def best_network(
    directory: RunDirectory, store: TrialStore, score: Callable[[Trial], float] | None = None
) -> Network | None:
    """The network of `best_kept_trial`, or None."""
    trial = best_kept_trial(directory, store, score)
    return None if trial is None else load_network(directory, trial)


class SearchRun:
    """A run directory opened for reading (by `eas train --from-run`, reports, notebooks)."""

    def __init__(self, root: str | Path) -> None:
        self.directory = RunDirectory(root)
        if not self.directory.exists():
            raise FileNotFoundError(
                f"{root} is not a search run directory (no config.json / trials.sqlite); "
                "start one with `eas search --run-dir DIR`"
            )
        self.config = SearchConfig.from_dict(json.loads(self.directory.config_path.read_text()))

    @property
    def root(self) -> Path:
        """The run directory."""
        return self.directory.root

    def trials(self) -> list[Trial]:
        """Every trial in the order they were proposed."""
        store = TrialStore(self.directory.store_path)
        try:
            return store.trials()
        finally:
            store.close()

    def best_trial(self) -> Trial | None:
        """The most accurate finished trial (by validation accuracy), or None before any finished."""
        store = TrialStore(self.directory.store_path)
        try:
            return store.best()
        finally:
            store.close()

    def best_network(self) -> tuple[Trial, Network]:
        """The most accurate trial whose weights are kept, with them; a `ValueError` if there is none."""
        store = TrialStore(self.directory.store_path)
        try:
            trial = best_kept_trial(self.directory, store)
        finally:
            store.close()
        if trial is None:
            raise ValueError(f"{self.root} has no trained network yet; run the search first")
        return trial, load_network(self.directory, trial)

    def chosen_network(self) -> tuple[Trial, Network]:
        """The network a final training of this run trains: the trial its final training chose (by the
        search's own score, which is cost-aware when the search was, so it can differ from the most
        accurate trial) when the run has a final network whose trial's weights are kept, else
        `best_network`. Training "it" longer then trains the network the run's result came from."""
        final_dir = self.directory.final_dir
        chosen = load_metrics(final_dir).get("trial") if has_checkpoint(final_dir) else None
        if chosen is not None:
            for trial in self.trials():
                if trial.trial_id == chosen and has_own_weights(self.directory, trial):
                    return trial, load_network(self.directory, trial)
        return self.best_network()
