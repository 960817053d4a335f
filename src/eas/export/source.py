"""Finding a trained network to ship: the best network of a search run, or a checkpoint folder, with
the dataset statistics (mean, std, class names) its inputs were normalised with during training.

The statistics are stored in the checkpoint's metrics (`dataset_info`) by `eas train`, `eas grow` and
a search's start and final networks, so a network is fed without its dataset. Checkpoints written
before that field existed get them measured again from the dataset the run or checkpoint names, with
the same validation hold-out, so they are exactly the ones training used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from eas.checkpoint import METRICS_FILE, has_checkpoint, load_checkpoint, load_metrics
from eas.data import DatasetInfo, load_dataset
from eas.search import SearchRun
from eas.search.config import SearchConfig
from eas.search.normalisation import stored_dataset_info
from eas.search.rundir import RunDirectory
from eas.spec import Spec

# How far above a checkpoint folder to look for the run that wrote it (RUN/final, RUN/networks/trial-N).
_RUN_SEARCH_DEPTH = 2


@dataclass(frozen=True, eq=False)
class TrainedNetwork:
    """A trained network with what is needed to feed it raw images.

    `origin` says in words where the weights came from; `test_accuracy` is the stored one, if any.
    """

    spec: Spec
    state: dict[str, torch.Tensor]
    info: DatasetInfo
    origin: str
    test_accuracy: float | None = None


def load_trained(path: str | Path) -> TrainedNetwork:
    """The network to export or predict with, from a search run directory or a checkpoint folder.

    For a run: its final network (`RUN/final/`, trained on training + validation images) when the search
    trained one, else its most accurate trial with kept weights. Raises `FileNotFoundError` when `path`
    is neither, `ValueError` when a run has no trained network or the dataset is unknown.
    """
    folder = Path(path).expanduser()
    if RunDirectory(folder).exists():
        return _from_run(folder)
    if has_checkpoint(folder):
        return _from_checkpoint(folder)
    raise FileNotFoundError(
        f"{folder} is neither a search run directory (config.json + trials.sqlite) nor a checkpoint folder "
        "(spec.json + weights.safetensors); give the --run-dir of `eas search` or the --out of `eas train`"
    )


def _from_run(folder: Path) -> TrainedNetwork:
    run = SearchRun(folder)
    final_dir = run.directory.final_dir
    if has_checkpoint(final_dir):
        spec, state, metrics = load_checkpoint(final_dir)
        info = stored_dataset_info(metrics, final_dir) or _config_info(run.config)
        return TrainedNetwork(spec, state, info, f"final network of run {folder}", metrics.get("test_accuracy"))
    trial, network = run.best_network()
    # Every network of a run was trained on the same data; the start network's checkpoint records it.
    start_dir = run.directory.start_dir
    stored = stored_dataset_info(load_metrics(start_dir), start_dir) if has_checkpoint(start_dir) else None
    origin = (
        f"trial {trial.trial_id} of run {folder} (validation accuracy {100 * (trial.validation_accuracy or 0):.2f}%)"
    )
    return TrainedNetwork(network.spec, network.state, stored or _config_info(run.config), origin)


def _from_checkpoint(folder: Path) -> TrainedNetwork:
    spec, state, metrics = load_checkpoint(folder)
    origin = f"checkpoint {folder}"
    stored = stored_dataset_info(metrics, folder)
    if stored is not None:
        return TrainedNetwork(spec, state, stored, origin, metrics.get("test_accuracy"))
    if metrics.get("dataset"):
        # `eas train` and the final training record the data they read; the hold-out decides mean and std.
        info = _dataset_info(
            str(metrics["dataset"]), metrics.get("data_root"), metrics.get("validation_size"), metrics.get("data_seed")
        )
        return TrainedNetwork(spec, state, info, origin, metrics.get("test_accuracy"))
    config = _enclosing_run_config(folder)
    if config is None:
        raise ValueError(
            f"{folder / METRICS_FILE} names no dataset and {folder} is not inside a search run, so the input "
            "normalisation is unknown; export the run directory instead, or a checkpoint written by `eas train`"
        )
    return TrainedNetwork(spec, state, _config_info(config), origin, metrics.get("test_accuracy"))


def _config_info(config: SearchConfig) -> DatasetInfo:
    return _dataset_info(config.dataset, config.data_root, config.validation_size, config.data_seed)


def _enclosing_run_config(folder: Path) -> SearchConfig | None:
    for parent in list(folder.resolve().parents)[:_RUN_SEARCH_DEPTH]:
        directory = RunDirectory(parent)
        if directory.exists():
            return SearchConfig.from_dict(json.loads(directory.config_path.read_text()))
    return None


def _dataset_info(dataset: str, root: Any, validation_size: Any, seed: Any) -> DatasetInfo:
    data = load_dataset(dataset, root=root, validation_size=validation_size, seed=0 if seed is None else int(seed))
    return data.info
