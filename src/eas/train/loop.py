"""`train_one_epoch` and `evaluate`: plain functions over in-memory uint8 splits.

Batches are normalised and augmented as whole tensors on the target device; the only Python loop is
over batches. Randomness (shuffling, crops, flips) comes from an explicit `torch.Generator`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as functional
from torch import nn

from eas.data import DatasetInfo, Split, augment_batch, normalize, random_erase


@dataclass(frozen=True)
class EpochStats:
    """Mean loss and accuracy of one training epoch; `diverged` when a loss was not finite."""

    loss: float
    accuracy: float
    images: int
    diverged: bool = False
    stopped: bool = False


@dataclass(frozen=True)
class EvalStats:
    """Loss and accuracy of a model on a split."""

    loss: float
    accuracy: float
    images: int


StepCallback = Callable[[int, int, float], None]


def batch_count(count: int, batch_size: int) -> int:
    """Batches in one epoch. A last batch of a single image is merged into the one before it, because
    BatchNorm in training mode cannot normalise one value per channel."""
    steps = math.ceil(count / batch_size)
    if steps > 1 and count % batch_size == 1:
        steps -= 1
    return steps


LearningRate = Callable[[int], float]


def train_one_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    split: Split,
    info: DatasetInfo,
    *,
    batch_size: int,
    learning_rate: LearningRate,
    generator: torch.Generator,
    augment: bool = True,
    device: str | torch.device = "cpu",
    on_step: StepCallback | None = None,
    memory_format: torch.memory_format = torch.contiguous_format,
    random_erasing: float = 0.0,
    label_smoothing: float = 0.0,
    should_stop: Callable[[], bool] | None = None,
    mixed_precision: bool = False,
) -> EpochStats:
    """One pass over `split` in a random order. `learning_rate(step)` sets the rate of each batch;
    `mixed_precision` runs the forward pass under bfloat16 autocast (the loss in float32).

    Stops at the first non-finite loss and reports `diverged=True` rather than raising; stops before
    a batch once `should_stop()` is true and reports `stopped=True`. Random erasing applies only
    with `augment`.
    """
    model.train()
    count = len(split)
    order = torch.randperm(count, generator=generator)
    steps = batch_count(count, batch_size)
    # On the training device, so that accumulating never copies to the host (a GPU synchronisation).
    total_loss = torch.zeros((), dtype=torch.float64, device=device)
    total_correct = torch.zeros((), dtype=torch.int64, device=device)
    device_type = torch.device(device).type  # once, not per step
    seen = 0
    for step in range(steps):
        if should_stop is not None and should_stop():
            return EpochStats(float(total_loss) / max(seen, 1), float(total_correct) / max(seen, 1), seen, stopped=True)
        end = count if step == steps - 1 else (step + 1) * batch_size
        indices = order[step * batch_size : end]
        images = normalize(split.images[indices].to(device), info.mean, info.std)
        if augment:
            images = augment_batch(images, info.pad, info.flip, generator=generator)
            images = random_erase(images, random_erasing, generator=generator)
        images = images.contiguous(memory_format=memory_format)
        labels = split.labels[indices].to(device)
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step)
        with torch.autocast(device_type, dtype=torch.bfloat16, enabled=mixed_precision):
            logits = model(images)
        if mixed_precision:
            logits = logits.float()  # the loss and the accuracy from float32 logits
        loss = functional.cross_entropy(logits, labels, label_smoothing=label_smoothing)
        if not torch.isfinite(loss):
            return EpochStats(float("nan"), 0.0, seen, diverged=True)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        # Accumulate on tensors: calling .item() every step would synchronise a GPU each batch.
        total_loss += loss.detach().double() * len(indices)
        total_correct += (logits.detach().argmax(dim=1) == labels).sum()
        seen += len(indices)
        if on_step is not None:
            on_step(step, steps, float(loss.detach()))
    return EpochStats(float(total_loss) / max(seen, 1), float(total_correct) / max(seen, 1), seen)


def refuse_flips_unless_trained_with_them(info: DatasetInfo, what: str) -> None:
    """Raise ValueError, naming `what` asked for it, when `info`'s dataset is never flipped (e.g. SVHN
    digits): its networks never saw a mirrored image, and a mirrored image may be another class."""
    if not info.flip:
        raise ValueError(
            f"{what} mirrors images, which dataset {info.name!r} does not allow (its training never flips "
            f"them, as a mirrored image may be another class): leave {what} off"
        )


def flip_averaged_log_probabilities(logits: torch.Tensor, mirrored_logits: torch.Tensor) -> torch.Tensor:
    """The log of the mean of the class probabilities of a batch and of its mirror images. Argmax and
    cross entropy read log-probabilities as they read logits, so they score the average directly."""
    both = torch.stack((logits.log_softmax(dim=1), mirrored_logits.log_softmax(dim=1)))
    return torch.logsumexp(both, dim=0) - math.log(2)


@torch.no_grad()
def evaluate(
    model: nn.Module,
    split: Split,
    info: DatasetInfo,
    *,
    batch_size: int = 500,
    device: str | torch.device = "cpu",
    memory_format: torch.memory_format = torch.contiguous_format,
) -> EvalStats:
    """Loss and accuracy of `model` on `split` in eval mode (no augmentation); `evaluate_with_flips`
    also gives the flip-averaged figures."""
    return _evaluate_views(model, split, info, batch_size, device, memory_format, flips=False)[0]


@torch.no_grad()
def evaluate_with_flips(
    model: nn.Module,
    split: Split,
    info: DatasetInfo,
    *,
    batch_size: int = 500,
    device: str | torch.device = "cpu",
    memory_format: torch.memory_format = torch.contiguous_format,
) -> tuple[EvalStats, EvalStats]:
    """(plain, flip-averaged) scores of `model` on `split`, from one pass over each image and its mirror
    image (twice `evaluate`'s cost). The flip-averaged figures score each image by the mean of the class
    probabilities the network gives it and its mirror image (left-right); the loss is the negative log of
    that mean. Raises ValueError for a dataset whose training never flips images (`info.flip` false)."""
    refuse_flips_unless_trained_with_them(info, "flip averaging")
    plain, flipped = _evaluate_views(model, split, info, batch_size, device, memory_format, flips=True)
    return plain, flipped


def _evaluate_views(
    model: nn.Module,
    split: Split,
    info: DatasetInfo,
    batch_size: int,
    device: str | torch.device,
    memory_format: torch.memory_format,
    *,
    flips: bool,
) -> list[EvalStats]:
    """The plain scores and, with `flips`, the flip-averaged ones, in one pass over `split`."""
    was_training = model.training
    model.eval()
    views = 2 if flips else 1
    total_loss = [0.0] * views
    correct = [0] * views
    for start in range(0, len(split), batch_size):
        images = normalize(split.images[start : start + batch_size].to(device), info.mean, info.std)
        images = images.contiguous(memory_format=memory_format)
        labels = split.labels[start : start + batch_size].to(device)
        logits = model(images)
        scored = [logits]
        if flips:
            scored.append(flip_averaged_log_probabilities(logits, model(images.flip(dims=(-1,)))))
        for view, outputs in enumerate(scored):
            total_loss[view] += float(functional.cross_entropy(outputs, labels, reduction="sum"))
            correct[view] += int((outputs.argmax(dim=1) == labels).sum())
    model.train(was_training)
    count = max(len(split), 1)
    return [EvalStats(total_loss[view] / count, correct[view] / count, len(split)) for view in range(views)]
