"""The start network of a search: trained once from a token string, or taken from a checkpoint folder.

It is saved in the run directory and stored as trial 0 (episode -1), so a resumed search never
trains it again and the table of trials shows what the search had to beat.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from eas.build import build_model
from eas.checkpoint import DATASET_INFO_KEY, load_checkpoint, save_checkpoint
from eas.data import Dataset
from eas.evaluation.status import OK
from eas.search.config import SearchConfig
from eas.search.cost import measured_flops_per_second
from eas.search.run import Network, load_network
from eas.search.rundir import RunDirectory
from eas.search.store import TrialStore
from eas.search.trial import START_EPISODE, Trial
from eas.spec import Spec, parse_spec
from eas.train import evaluate, fit

logger = logging.getLogger(__name__)


def prepare_start(
    config: SearchConfig,
    directory: RunDirectory,
    store: TrialStore,
    data: Dataset,
    emit: Callable[[str, dict[str, Any]], None],
) -> Network:
    """Load the run's start network, training or importing it on the first run."""
    existing = _stored_start(store)
    if existing is not None and directory.has_weights(existing):
        return load_network(directory, existing)
    if Path(config.start).is_dir():
        spec, state, metrics = load_checkpoint(config.start)
        _check_fits(spec, data, config.start)
        config.action_space.check_spec(spec)
        check_honest_start(metrics, config)
        model = build_model(spec, state)
        origin = f"checkpoint {config.start}"
        seconds = 0.0
        speed = _images_per_second(metrics)
    else:
        spec = parse_spec(config.start, data.info.input_shape, data.info.num_classes)
        # A share of the budget is a long training: it takes the final recipe (augmentation, warm-up),
        # on the training split only, so that the validation images still score children honestly.
        recipe = config.start_recipe()
        emit("start_training", {"arch": spec.to_string(), "epochs": recipe.epochs, "time_budget": recipe.time_budget})
        model = build_model(spec, seed=recipe.seed)
        result = fit(model, data, recipe, progress=progress_of(emit, "start"))
        if result.diverged:
            raise ValueError(f"the start network {spec.to_string()!r} diverged: {result.message}")
        origin = f"trained {result.epochs_completed} epochs"
        seconds = result.seconds
        speed = result.images_per_second
    if speed:
        store.set_meta("train_flops_per_second", measured_flops_per_second(spec.flops(), speed))
    device = torch.device(config.child_training.device)
    accuracy = evaluate(model.to(device), data.validation, data.info, device=device).accuracy
    state = {key: value.detach().cpu() for key, value in model.state_dict().items()}
    directory.start_dir.mkdir(parents=True, exist_ok=True)
    metrics = {"validation_accuracy": accuracy, "origin": origin, DATASET_INFO_KEY: data.info.to_dict()}
    save_checkpoint(directory.start_dir, spec, state, metrics)
    record_start_network(store, 0, spec, accuracy, seconds, origin)
    logger.info("start network %s (%s): validation accuracy %.4f", spec.to_string(), origin, accuracy)
    emit("start_ready", {"arch": spec.to_string(), "validation_accuracy": accuracy, "origin": origin})
    return Network(spec, state, None, accuracy)


def record_start_network(
    store: TrialStore,
    slot: int,
    spec: Spec,
    accuracy: float,
    seconds: float,
    message: str,
    parent_trial: int | None = None,
) -> Trial:
    """Store a network the search trained itself (the start network, slot 0, or a stage start, slot =
    stage) as a finished trial of episode -1, so the trial table shows it and a resume skips it."""
    proposed = Trial(
        START_EPISODE,
        slot,
        spec.to_string(),
        spec.to_json(),
        parent_trial=parent_trial,
        parameters=spec.num_params(),
        flops=spec.flops(),
    )
    (stored,) = store.add_pending([proposed])
    stored.status, stored.validation_accuracy, stored.train_seconds = OK, accuracy, seconds
    stored.message = message
    store.finish(stored)
    return stored


def check_honest_start(metrics: dict[str, Any], config: SearchConfig) -> None:
    """Refuse a start checkpoint that was trained on the images the search validates children on:
    its accuracy (and every child's) would be inflated, and children would seem to lose accuracy as
    the leak washes out. The checkpoint's metrics (and its parents', for grown checkpoints) say how it
    was trained."""
    how_to_fix = (
        "train the start network on the search's training split only: `eas train --arch ... --out DIR "
        f"--dataset {config.dataset}` without --full-train"
        + (f" --validation-size {config.validation_size}" if config.validation_size is not None else "")
        + (f" --data-seed {config.data_seed}" if config.data_seed else "")
        + ", then pass --start DIR"
    )
    level: dict[str, Any] | None = metrics
    while level:
        if level.get("full_train") or level.get("from_run"):
            raise ValueError(
                f"start checkpoint {config.start} was trained on training + validation images, and the search "
                f"scores its children on those validation images; {how_to_fix}"
            )
        if "data_seed" in level and (
            level.get("validation_size") != config.validation_size or level.get("data_seed") != config.data_seed
        ):
            raise ValueError(
                f"start checkpoint {config.start} was trained with another validation split (validation size "
                f"{level.get('validation_size')}, data seed {level.get('data_seed')}; this search: "
                f"{config.validation_size}, {config.data_seed}), so it may have trained on the search's validation "
                f"images; {how_to_fix}"
            )
        parent = level.get("parent")
        level = parent if isinstance(parent, dict) else None


def _images_per_second(metrics: dict[str, Any]) -> float | None:
    result = metrics.get("result")
    speed = result.get("images_per_second") if isinstance(result, dict) else None
    return float(speed) if isinstance(speed, int | float) and speed > 0 else None


def _stored_start(store: TrialStore) -> Trial | None:
    trials = store.trials(START_EPISODE)
    return trials[0] if trials and trials[0].finished else None


def _check_fits(spec: Spec, data: Dataset, source: str) -> None:
    if spec.input_shape != data.info.input_shape or spec.num_classes != data.info.num_classes:
        raise ValueError(
            f"start checkpoint {source} expects inputs {spec.input_shape} and {spec.num_classes} classes, but "
            f"{data.info.name} has {data.info.input_shape} and {data.info.num_classes}; use a checkpoint trained "
            "on this dataset"
        )


def progress_of(emit: Callable[[str, dict[str, Any]], None], label: str) -> Callable[[Any], None]:
    """A `fit` progress callback that forwards each step as a "progress" event labelled `label`."""

    def progress(event: Any) -> None:
        emit("progress", {"label": label, "progress": event})

    return progress
