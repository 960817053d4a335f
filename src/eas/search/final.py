"""The final phase of a search with `train_final`: the best network, trained on training + validation
images for what is left of the time budget, then scored on the test set; written to `RUN/final/`.

A finished final phase is never repeated: a re-run prints its stored result. A process killed during
the final training trains the network again from its searched weights with the time then left.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from eas.build import build_model
from eas.checkpoint import DATASET_INFO_KEY, METRICS_FILE, has_checkpoint, load_checkpoint, save_checkpoint
from eas.data import Dataset
from eas.executors import EventCallback
from eas.search.budget import Budget
from eas.search.config import SearchConfig
from eas.search.run import best_kept_trial, load_network
from eas.search.rundir import RunDirectory
from eas.search.start import progress_of
from eas.search.store import TrialStore
from eas.search.trial import Trial
from eas.train import train_and_test

logger = logging.getLogger(__name__)


def finished_final(directory: RunDirectory) -> dict[str, Any] | None:
    """The stored final result of the run, or None when there is none yet."""
    if not has_checkpoint(directory.final_dir) or not (directory.final_dir / METRICS_FILE).is_file():
        return None
    _, _, metrics = load_checkpoint(directory.final_dir)
    return metrics if metrics.get("test_accuracy") is not None else None


def train_final(
    config: SearchConfig,
    directory: RunDirectory,
    store: TrialStore,
    data: Dataset,
    budget: Budget,
    score: Callable[[Trial], float],
    emit: EventCallback,
) -> dict[str, Any]:
    """Train and test the best network (by `score`), save it in `RUN/final/`; returns its metrics."""
    done = finished_final(directory)
    if done is not None:
        return done
    trial = best_kept_trial(directory, store, score)
    if trial is None:
        raise ValueError(f"{directory.root} has no trained network to finish; the search produced none")
    network = load_network(directory, trial)
    left = budget.seconds_left()
    recipe = config.final_recipe(left)
    emit("final_training", {"trial_id": trial.trial_id, "arch": network.spec.to_string(), "seconds": left})
    limit = "no time limit" if left is None else f"{left:.0f} s left"
    logger.info("final training of trial %s %s with %s", trial.trial_id, network.spec.to_string(), limit)
    model = build_model(network.spec, network.state)
    final = train_and_test(model, data, recipe, full_train=True, progress=progress_of(emit, "final"))
    metrics = {
        "trial": trial.trial_id,
        "arch": network.spec.to_string(),
        "parameters": network.spec.num_params(),
        "flops": network.spec.flops(),
        "search_validation_accuracy": trial.validation_accuracy,
        "train_config": recipe.to_dict(),
        **final.to_dict(),
        "dataset": config.dataset,
        "data_root": config.data_root,
        "validation_size": config.validation_size,
        "data_seed": config.data_seed,
        DATASET_INFO_KEY: data.info.to_dict(),
        "full_train": True,
        "from_run": str(directory.root),
    }
    if final.test_accuracy is None:
        raise ValueError(f"final training of trial {trial.trial_id} diverged: {final.result.message}")
    state = {key: value.detach().cpu() for key, value in model.state_dict().items()}
    metrics["elapsed_seconds"] = budget.elapsed()  # the whole job's time so far, resumes included
    save_checkpoint(directory.final_dir, network.spec, state, metrics)
    emit("final_done", metrics)
    return metrics
