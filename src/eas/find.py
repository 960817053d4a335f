"""`find_network`: the whole job in one call for notebooks: search architectures on numpy arrays (or a
named dataset), train the best network found, and get it back as an eval-mode `nn.Module`.

It runs what `eas search --train-final` runs, in a run directory that the command line can read too
(`eas trials`, `eas export`, `eas predict`); calling it again with the same arguments resumes the run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from eas.build import build_model
from eas.checkpoint import load_checkpoint
from eas.data.augment import normalize
from eas.executors import EventCallback
from eas.search import SearchConfig, run_search
from eas.search import preset as named_preset
from eas.search.config import load_search_data
from eas.search.normalisation import stored_dataset_info
from eas.search.rundir import RunDirectory
from eas.spec import Spec

ARRAYS_FILE = "data.npz"
# The share of the training arrays held out as a test set when the caller gives none.
TEST_FRACTION = 0.1


@dataclass(frozen=True, eq=False)
class FoundNetwork:
    """What `find_network` returns: the trained network (eval mode, CPU), its spec, where the run lives,
    the test accuracy of the final training (None when the run has no final network), and the per-channel
    mean and std (pixel/255 scale) that `model`'s inputs are normalised with. `predict` takes raw uint8
    images and does the normalisation itself.

    `flip_average_test_accuracy` is the test accuracy when each image is scored by the mean of the
    network's probabilities for it and its mirror image, recorded only for a final training with flips
    (None otherwise: arrays and SVHN are never flipped); `predict` scores plainly."""

    model: nn.Module
    spec: Spec
    run_dir: Path
    test_accuracy: float | None
    class_names: tuple[str, ...] | None = None
    mean: tuple[float, ...] = ()
    std: tuple[float, ...] = ()
    flip_average_test_accuracy: float | None = None

    def predict(self, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
        """Class indices for uint8 images laid out as for `find_network` (N x H x W, NCHW or NHWC)."""
        images = np.asarray(x)
        if images.dtype != np.uint8:
            raise ValueError(f"predict takes uint8 images (0..255) as find_network does, got {images.dtype}")
        # The network's own input shape settles the layout, so no guess (and no layout hint) is needed.
        channels, height, width = self.spec.input_shape
        shape = tuple(images.shape[1:])
        if images.ndim == 3 and channels == 1 and shape == (height, width):
            images = images[:, None, :, :]
        elif images.ndim == 4 and shape == (height, width, channels) and shape != (channels, height, width):
            images = images.transpose(0, 3, 1, 2)
        elif images.ndim != 4 or shape != (channels, height, width):
            one_channel = f", or N x {height} x {width}" if channels == 1 else ""
            raise ValueError(
                f"predict: images of shape {tuple(images.shape)}, but the network takes N x {channels} x {height} x "
                f"{width} (NCHW) or N x {height} x {width} x {channels} (NHWC){one_channel}"
            )
        tensor = torch.from_numpy(np.ascontiguousarray(images))
        labels = []
        with torch.no_grad():
            for start in range(0, len(tensor), batch_size):
                batch = normalize(tensor[start : start + batch_size], self.mean, self.std)
                labels.append(self.model(batch).argmax(dim=1))
        return torch.cat(labels).numpy() if labels else np.zeros(0, dtype=np.int64)


def find_network(
    x: np.ndarray | str,
    y: np.ndarray | None = None,
    *,
    x_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
    time_budget: float | None = 600.0,
    run_dir: str | Path | None = None,
    preset: str = "fashion-cpu",
    seed: int | None = None,
    device: str | None = None,
    on_event: EventCallback | None = None,
    **settings: Any,
) -> FoundNetwork:
    """Search for a network and train it, all within `time_budget` seconds (None: the preset's epochs).

    `x` is uint8 images (N x H x W, N x C x H x W or N x H x W x C) with integer labels `y`, or the name of
    a dataset (`fashion-mnist`, `cifar10`, `svhn`, `npz:PATH`). Without `x_test`/`y_test` a seeded tenth
    of the arrays is held out as the test set. The run goes to `run_dir` (a new temporary folder when
    None); `preset` picks the search settings (`fashion-cpu`, or `smoke` for a seconds-long try), and
    `settings` overrides any `SearchConfig` field of it (`episodes=3`, `max_networks=10`, ...).
    """
    known = {field.name for field in fields(SearchConfig)}
    for name in settings:
        if name not in known:
            raise ValueError(f"unknown search setting {name!r}; SearchConfig fields are {', '.join(sorted(known))}")
    directory = Path(tempfile.mkdtemp(prefix="eas-run-")) if run_dir is None else Path(run_dir).expanduser()
    if isinstance(x, str):
        if y is not None or x_test is not None or y_test is not None:
            raise ValueError("give either a dataset name or arrays (x, y[, x_test, y_test]), not both")
        dataset = x
    else:
        dataset = "npz:" + str(_write_arrays(directory, x, y, x_test, y_test, class_names, seed or 0).resolve())
    config = named_preset(preset).with_overrides(dataset=dataset, time_budget=time_budget, train_final=True, **settings)
    if seed is not None:
        config = replace(config, seed=seed)
    if device is not None:
        config = replace(
            config,
            start_training=replace(config.start_training, device=device),
            child_training=replace(config.child_training, device=device),
            final_training=replace(config.final_training, device=device),
        )
    run_search(config, directory, on_event=on_event)
    return _final_network(directory, config)


def _final_network(directory: Path, config: SearchConfig) -> FoundNetwork:
    """The final network of the finished run in `directory`, with the figures its metrics.json records."""
    final_dir = RunDirectory(directory).final_dir
    spec, state, metrics = load_checkpoint(final_dir)
    model = build_model(spec, state).eval()
    # The final checkpoint stores the normalisation and the dataset's own names (Fashion-MNIST's, or the
    # ones written with the arrays); a run resumed from an older checkpoint reads the dataset once more.
    info = stored_dataset_info(metrics, final_dir) or load_search_data(config).info
    return FoundNetwork(
        model,
        spec,
        directory,
        metrics.get("test_accuracy"),
        info.class_names,
        tuple(info.mean),
        tuple(info.std),
        flip_average_test_accuracy=metrics.get("flip_average_test_accuracy"),
    )


def _write_arrays(
    directory: Path,
    x: np.ndarray,
    y: np.ndarray | None,
    x_test: np.ndarray | None,
    y_test: np.ndarray | None,
    class_names: Sequence[str] | None,
    seed: int,
) -> Path:
    """Save the arrays as the run's `.npz` dataset (read back by `eas.data.npz`, which checks them)."""
    if y is None:
        raise ValueError("labels y are missing: call find_network(x, y) with one integer label per image")
    x, y = np.asarray(x), np.asarray(y)
    if (x_test is None) != (y_test is None):
        raise ValueError("give both x_test and y_test, or neither (a tenth of x is then held out for testing)")
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} images but y has {len(y)} labels; give one label per image")
    if x_test is None or y_test is None:
        order = np.random.default_rng(seed).permutation(len(x))
        test_count = max(1, round(TEST_FRACTION * len(x)))
        x, x_test, y, y_test = (
            x[order[test_count:]],
            x[order[:test_count]],
            y[order[test_count:]],
            y[order[:test_count]],
        )
    arrays: dict[str, Any] = {"x_train": x, "y_train": y, "x_test": np.asarray(x_test), "y_test": np.asarray(y_test)}
    if class_names is not None:
        arrays["class_names"] = np.asarray([str(name) for name in class_names])
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / ARRAYS_FILE
    # np.savez appends .npz to names without it, so the temporary file carries the suffix too.
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".data.", suffix=".npz", delete=False) as handle:
        np.savez(handle, **arrays)
    Path(handle.name).replace(path)
    return path
