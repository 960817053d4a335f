"""Evaluate one child network: inherit weights through the edits, calibrate, fine-tune, score.

It never raises for a bad network: divergence and crashes come back as a `ChildResult` with status
"diverged" or "failed", so the search goes on; a child stopped by its deadline comes back "cut".
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass, field, replace

import torch

from eas.build import build_model
from eas.data import Dataset, normalize
from eas.evaluation.status import CUT, DIVERGED, FAILED, OK
from eas.spec import Edit, Spec, edited_spec
from eas.train import ProgressCallback, TrainConfig, evaluate, fit
from eas.transforms import DEFAULT_DEEPEN_NOISE, DEFAULT_WIDEN_NOISE, apply_edits

logger = logging.getLogger(__name__)


@dataclass
class ChildTask:
    """Everything needed to evaluate one child, independent of the search's state."""

    trial_id: int
    parent_spec: Spec
    parent_state: dict[str, torch.Tensor] | None
    edits: tuple[Edit, ...]
    train_config: TrainConfig
    seed: int
    weight_reuse: bool = True
    widen_noise: float = DEFAULT_WIDEN_NOISE
    deepen_noise: float = DEFAULT_DEEPEN_NOISE
    calibration_size: int = 256
    measure_inherited: bool = True
    keep_weights: bool = False
    deadline: float | None = None  # a time.time() value: training stops there and the child is "cut"
    # The seed of the child's training images and batch order (None: `seed`). One value for every child
    # of a search makes them fine-tune on the same draws, so their scores differ by architecture only.
    train_seed: int | None = None


@dataclass
class ChildResult:
    """What came out of a `ChildTask` (weights only when the task asked to keep them)."""

    trial_id: int
    status: str
    spec: Spec
    validation_accuracy: float | None = None
    accuracy_before: float | None = None
    train_seconds: float = 0.0
    message: str = ""
    state: dict[str, torch.Tensor] | None = field(default=None, repr=False)


def calibration_batch(data: Dataset, size: int, seed: int) -> torch.Tensor:
    """A normalised batch of random training images (no augmentation) for BatchNorm calibration."""
    generator = torch.Generator().manual_seed(seed)
    indices = torch.randperm(len(data.train), generator=generator)[: min(size, len(data.train))]
    return normalize(data.train.images[indices], data.info.mean, data.info.std)


def evaluate_child(task: ChildTask, data: Dataset, progress: ProgressCallback | None = None) -> ChildResult:
    """Run one child task; failures are returned, never raised (except KeyboardInterrupt)."""
    started = time.perf_counter()
    try:
        return _evaluate(task, data, progress)
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as error:  # a broken child must not stop the search
        logger.warning("trial %s failed: %s", task.trial_id, error)
        message = f"{type(error).__name__}: {error}\n{traceback.format_exc(limit=5)}"
        return failed_result(task, message, time.perf_counter() - started)


def failed_result(task: ChildTask, message: str, seconds: float = 0.0) -> ChildResult:
    """A "failed" result for `task` with the reason (an exception, a crashed worker, a timeout)."""
    try:
        spec = edited_spec(task.parent_spec, task.edits)
    except ValueError:  # the edits themselves were illegal: report the parent's architecture
        spec = task.parent_spec
    return ChildResult(task.trial_id, FAILED, spec, train_seconds=seconds, message=message)


def _evaluate(task: ChildTask, data: Dataset, progress: ProgressCallback | None) -> ChildResult:
    device = torch.device(task.train_config.device)
    accuracy_before = None
    if task.weight_reuse:
        if task.parent_state is None:
            raise ValueError("weight reuse needs the parent's weights (parent_state is None)")
        edited = apply_edits(
            task.parent_spec,
            task.parent_state,
            task.edits,
            generator=torch.Generator().manual_seed(task.seed),
            calibration=calibration_batch(data, task.calibration_size, task.seed),
            widen_noise=task.widen_noise,
            deepen_noise=task.deepen_noise,
        )
        spec = edited.spec
        model = build_model(spec, edited.state)
        if task.measure_inherited and len(data.validation) > 0:
            accuracy_before = evaluate(model.to(device), data.validation, data.info, device=device).accuracy
    else:
        spec = edited_spec(task.parent_spec, task.edits)
        model = build_model(spec, seed=task.seed)
    train_seed = task.seed if task.train_seed is None else task.train_seed
    result = fit(model, data, replace(task.train_config, seed=train_seed), progress=progress, deadline=task.deadline)
    status = {"diverged": DIVERGED, "cut": CUT}.get(result.status, OK)
    return ChildResult(
        trial_id=task.trial_id,
        status=status,
        spec=spec,
        validation_accuracy=result.validation_accuracy,
        accuracy_before=accuracy_before,
        train_seconds=result.seconds,
        message=result.message,
        state={key: value.detach().cpu() for key, value in model.state_dict().items()}
        if task.keep_weights and status == OK
        else None,
    )
