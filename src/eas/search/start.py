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
from eas.checkpoint import load_checkpoint, save_checkpoint
from eas.data import Dataset
from eas.search.config import SearchConfig
from eas.search.rundir import RunDirectory
from eas.search.store import OK, Trial, TrialStore
from eas.search.strategies.base import Network
from eas.spec import NetSpec
from eas.train import evaluate, fit

logger = logging.getLogger(__name__)

START_EPISODE = -1


def prepare_start(
    config: SearchConfig,
    directory: RunDirectory,
    store: TrialStore,
    data: Dataset,
    emit: Callable[[str, dict[str, Any]], None],
) -> Network:
    """Load the run's start network, training or importing it on the first run."""
    existing = _stored_start(store)
    if existing is not None and (directory.start_dir / "weights.safetensors").is_file():
        spec, state, _ = directory.load_network(None)
        return Network(spec, state, None, existing.validation_accuracy)
    if Path(config.start).is_dir():
        spec, state, _ = load_checkpoint(config.start)
        _check_fits(spec, data, config.start)
        model = build_model(spec, state)
        origin = f"checkpoint {config.start}"
        seconds = 0.0
    else:
        spec = NetSpec.parse(config.start, data.info.input_shape, data.info.num_classes)
        emit("start_training", {"arch": spec.to_string(), "epochs": config.start_training.epochs})
        torch.manual_seed(config.start_training.seed)
        model = build_model(spec)
        result = fit(model, data, config.start_training, progress=_progress_of(emit))
        if result.diverged:
            raise ValueError(f"the start network {spec.to_string()!r} diverged: {result.message}")
        origin = f"trained {config.start_training.epochs} epochs"
        seconds = result.seconds
    device = torch.device(config.child_training.device)
    accuracy = evaluate(model.to(device), data.validation, data.info, device=device).accuracy
    state = {key: value.detach().cpu() for key, value in model.state_dict().items()}
    directory.start_dir.mkdir(parents=True, exist_ok=True)
    save_checkpoint(directory.start_dir, spec, state, {"validation_accuracy": accuracy, "origin": origin})
    trial = Trial(
        START_EPISODE, 0, spec.to_string(), spec.to_json(), [], parameters=spec.num_params(), flops=spec.flops()
    )
    (stored,) = store.add_pending([trial])
    stored.status, stored.validation_accuracy, stored.train_seconds = OK, accuracy, seconds
    stored.message = origin
    store.finish(stored)
    logger.info("start network %s (%s): validation accuracy %.4f", spec.to_string(), origin, accuracy)
    emit("start_ready", {"arch": spec.to_string(), "validation_accuracy": accuracy, "origin": origin})
    return Network(spec, state, None, accuracy)


def _stored_start(store: TrialStore) -> Trial | None:
    trials = store.trials(START_EPISODE)
    return trials[0] if trials and trials[0].finished else None


def _check_fits(spec: NetSpec, data: Dataset, source: str) -> None:
    if spec.input_shape != data.info.input_shape or spec.num_classes != data.info.num_classes:
        raise ValueError(
            f"start checkpoint {source} expects inputs {spec.input_shape} and {spec.num_classes} classes, but "
            f"{data.info.name} has {data.info.input_shape} and {data.info.num_classes}; use a checkpoint trained "
            "on this dataset"
        )


def _progress_of(emit: Callable[[str, dict[str, Any]], None]) -> Callable[[Any], None]:
    def progress(event: Any) -> None:
        emit("progress", {"label": "start", "progress": event})

    return progress


def stage_start(
    config: SearchConfig,
    directory: RunDirectory,
    store: TrialStore,
    start: Network,
    episode: int,
    emit: Callable[[str, dict[str, Any]], None],
) -> Network:
    """The start network of `episode`: the original one, or with `restart_every` the best network found
    before the episode's stage began. The choice is stored (a copy of the weights in `stages/`), so a
    resumed run restarts from the same network."""
    if config.restart_every is None or episode < config.restart_every:
        return start
    stage = episode // config.restart_every
    folder = directory.stage_dir(stage)
    if not (folder / "weights.safetensors").is_file():
        best = store.best()
        if best is None or best.trial_id is None or best.episode < 0 or not directory.has_network(best.trial_id):
            spec, state, accuracy, trial_id = start.spec, start.state, start.validation_accuracy, start.trial_id
        else:
            spec, state, _ = directory.load_network(best.trial_id)
            accuracy, trial_id = best.validation_accuracy, best.trial_id
        save_checkpoint(folder, spec, state, {"validation_accuracy": accuracy, "trial_id": trial_id, "stage": stage})
        logger.info("stage %d starts from trial %s %s (%.4f)", stage, trial_id, spec.to_string(), accuracy or 0.0)
        emit("stage_start", {"stage": stage, "trial_id": trial_id, "arch": spec.to_string(), "accuracy": accuracy})
    spec, state, metrics = load_checkpoint(folder)
    return Network(spec, state, metrics.get("trial_id"), metrics.get("validation_accuracy"))
