"""Stage restarts, the paper's second stage: every `restart_every` episodes the best network so far,
optionally trained longer with `stage_training`, becomes the start network of the next episodes.

The choice is stored (a checkpoint in `stages/stage-N/`, and a trial of episode -1 when the network
was trained here), so a resumed run restarts from the same network without training it again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from eas.build import build_model
from eas.checkpoint import DATASET_INFO_KEY, has_checkpoint, load_checkpoint, save_checkpoint
from eas.data import Dataset
from eas.search.config import SearchConfig
from eas.search.run import Network, best_kept_trial, load_network
from eas.search.rundir import RunDirectory
from eas.search.start import progress_of, record_start_network
from eas.search.store import TrialStore
from eas.search.trial import START_EPISODE, Trial
from eas.spec import Spec
from eas.train import fit

logger = logging.getLogger(__name__)

EventCallback = Callable[[str, dict[str, Any]], None]


def stage_of(config: SearchConfig, episode: int) -> int:
    """The stage an episode belongs to (0 without restarts)."""
    return 0 if config.restart_every is None else episode // config.restart_every


def stage_begins(config: SearchConfig, episode: int) -> bool:
    """True for the first episode of a stage (episode 0, and every `restart_every`-th after it)."""
    return episode == 0 or (config.restart_every is not None and episode % config.restart_every == 0)


def stage_start(
    config: SearchConfig,
    directory: RunDirectory,
    store: TrialStore,
    data: Dataset,
    start: Network,
    episode: int,
    emit: EventCallback,
    score: Callable[[Trial], float] | None = None,
    deadline: float | None = None,
) -> Network:
    """The start network of `episode`'s stage: the run's start network in stage 0, otherwise the
    best network (by `score`, the search's own; default validation accuracy) found before the stage
    began, trained with `stage_training` when it is set. That training stops at `deadline` (a
    `time.time()` value, the end of the search's share), so a time budget holds; a stopped one leaves
    the network as it was."""
    stage = stage_of(config, episode)
    if stage == 0:
        return start
    folder = directory.stage_dir(stage)
    if not has_checkpoint(folder):
        _choose(config, directory, store, data, start, stage, emit, score, deadline)
    spec, state, metrics = load_checkpoint(folder)
    stored = [trial for trial in store.trials(START_EPISODE) if trial.slot == stage]
    if config.stage_training is not None and not stored:
        # Killed between saving the weights and storing their trial: store it now.
        stored = [_record(store, stage, spec, metrics)]
    if stored:
        return load_network(directory, stored[0])
    return Network(spec, state, metrics.get("trial_id"), metrics.get("validation_accuracy"))


def _choose(
    config: SearchConfig,
    directory: RunDirectory,
    store: TrialStore,
    data: Dataset,
    start: Network,
    stage: int,
    emit: EventCallback,
    score: Callable[[Trial], float] | None,
    deadline: float | None,
) -> None:
    best = best_kept_trial(directory, store, score)
    network = start if best is None else load_network(directory, best)
    metrics: dict[str, Any] = {
        "validation_accuracy": network.validation_accuracy,
        "trial_id": network.trial_id,
        "stage": stage,
        # The normalisation the network was trained with, so that the folder exports on its own.
        DATASET_INFO_KEY: data.info.to_dict(),
    }
    state = network.state
    if config.stage_training is not None:
        emit("stage_training", {"stage": stage, "arch": network.spec.to_string()})
        model = build_model(network.spec, network.state)
        progress = progress_of(emit, f"stage {stage}")
        result = fit(model, data, config.stage_training, progress=progress, deadline=deadline)
        if result.status == "ok" and result.validation_accuracy is not None:
            state = {key: value.detach().cpu() for key, value in model.state_dict().items()}
            metrics.update(validation_accuracy=result.validation_accuracy, train_seconds=result.seconds)
            metrics["origin"] = f"trial {network.trial_id} trained {config.stage_training.epochs} more epochs"
        else:  # keep the network as it was; the stage still restarts from it
            why = "cut at the end of the search's share" if result.status == "cut" else "diverged"
            logger.warning("stage %d training %s (%s); starting from the untrained copy", stage, why, result.message)
            metrics["origin"] = f"trial {network.trial_id} (stage training {why})"
    save_checkpoint(directory.stage_dir(stage), network.spec, state, metrics)
    if config.stage_training is not None:
        _record(store, stage, network.spec, metrics)
    accuracy = metrics["validation_accuracy"] or 0.0
    logger.info("stage %d starts from %s (%.4f)", stage, network.spec.to_string(), accuracy)
    payload = {"stage": stage, "trial_id": network.trial_id, "arch": network.spec.to_string()}
    emit("stage_start", {**payload, "accuracy": metrics["validation_accuracy"]})


def _record(store: TrialStore, stage: int, spec: Spec, metrics: dict[str, Any]) -> Trial:
    return record_start_network(
        store,
        stage,
        spec,
        float(metrics["validation_accuracy"] or 0.0),
        float(metrics.get("train_seconds", 0.0)),
        str(metrics.get("origin", f"stage {stage} start")),
        parent_trial=metrics.get("trial_id"),
    )
