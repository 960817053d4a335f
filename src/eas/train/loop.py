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


@torch.no_grad()
def evaluate(
    model: nn.Module,
    split: Split,
    info: DatasetInfo,
    *,
    batch_size: int = 500,
    device: str | torch.device = "cpu",
    memory_format: torch.memory_format = torch.contiguous_format,
    flip_average: bool = False,
) -> EvalStats:
    """Loss and accuracy of `model` on `split` in eval mode (no augmentation).

    With `flip_average` each image is scored by the mean of the class probabilities the network gives
    it and its mirror image (left-right), at twice the cost; the loss is then the negative log of that
    mean. Raises ValueError for a dataset whose training never flips images (`info.flip` false, e.g.
    SVHN digits): its networks never saw a mirrored image, and a mirrored digit may be another class.
    """
    if flip_average and not info.flip:
        raise ValueError(
            f"flip averaging mirrors images, which dataset {info.name!r} does not allow (its training never "
            "flips them, as a mirrored image may be another class): score it without flip averaging"
        )
    was_training = model.training
    model.eval()
    total_loss = 0.0
    correct = 0
    for start in range(0, len(split), batch_size):
        images = normalize(split.images[start : start + batch_size].to(device), info.mean, info.std)
        images = images.contiguous(memory_format=memory_format)
        labels = split.labels[start : start + batch_size].to(device)
        logits = model(images)
        if flip_average:
            # The mean of two probability vectors, kept as log-probabilities for the loss: argmax and
            # cross entropy of log-probabilities read them as they read logits.
            mirrored = model(images.flip(dims=(-1,)))
            both = torch.stack((logits.log_softmax(dim=1), mirrored.log_softmax(dim=1)))
            logits = torch.logsumexp(both, dim=0) - math.log(2)
        total_loss += float(functional.cross_entropy(logits, labels, reduction="sum"))
        correct += int((logits.argmax(dim=1) == labels).sum())
    model.train(was_training)
    count = max(len(split), 1)
    return EvalStats(total_loss / count, correct / count, len(split))
