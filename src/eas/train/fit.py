"""`fit`: train a model with a `TrainConfig` and report a `TrainResult`.

The learning-rate schedule, the training subset and the seeding live here so that the search, the
CLI and the benchmarks all train networks the same way.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import torch
from torch import nn

from eas.data import Dataset, Split
from eas.train.budget import epochs_within, measure_speed, partial_epoch_images, plan_epochs, tail_steps
from eas.train.config import TrainConfig, TrainResult
from eas.train.loop import EvalStats, batch_count, evaluate, train_one_epoch


@dataclass(frozen=True)
class Progress:
    """What a progress callback receives after each training step."""

    epoch: int
    epochs: int
    step: int
    steps: int
    loss: float


ProgressCallback = Callable[[Progress], None]


def make_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.SGD:
    """SGD with Nesterov momentum; weight decay on conv/linear weights only (not BN or biases),
    because decaying BN scales of inherited identity layers would pull them away from identity."""
    decayed = [p for p in model.parameters() if p.requires_grad and p.dim() > 1]
    other = [p for p in model.parameters() if p.requires_grad and p.dim() <= 1]
    groups = [{"params": decayed, "weight_decay": config.weight_decay}, {"params": other, "weight_decay": 0.0}]
    return torch.optim.SGD(groups, lr=config.learning_rate, momentum=config.momentum, nesterov=config.momentum > 0)


def learning_rate_at(
    config: TrainConfig, epoch: int, step: int, steps_per_epoch: int, total_steps: int | None = None
) -> float:
    """Cosine decay (per epoch or per step) over the config's `schedule_window` of the cosine, times a
    linear warm-up over the first `warmup_steps`. `total_steps` (default: every epoch whole) is where
    the per-step cosine ends, for a plan whose last epoch is partial."""
    global_step = epoch * steps_per_epoch + step
    if config.schedule == "epoch":
        progress = epoch / max(config.epochs, 1)
    else:
        total = config.epochs * steps_per_epoch if total_steps is None else total_steps
        progress = global_step / max(total, 1)
    begin, end = config.schedule_window
    progress = begin + (end - begin) * progress
    rate = 0.5 * config.learning_rate * (1.0 + math.cos(math.pi * progress))
    if config.warmup_steps > 0 and global_step < config.warmup_steps:
        rate *= (global_step + 1) / config.warmup_steps
    return rate


def training_subset(split: Split, size: int | None, generator: torch.Generator) -> Split:
    """A random subset of `size` images (the whole split when size is None or larger)."""
    if size is None or size >= len(split):
        return split
    indices = torch.randperm(len(split), generator=generator)[:size]
    return Split(split.images[indices], split.labels[indices])


@dataclass(frozen=True)
class _TrainingRun:
    """The fixed pieces of one `fit` call, bundled so the helpers below take one argument."""

    model: nn.Module
    data: Dataset
    config: TrainConfig
    train_split: Split
    validation: Split
    optimizer: torch.optim.SGD
    generator: torch.Generator
    device: torch.device
    memory_format: torch.memory_format
    steps_per_epoch: int
    progress: ProgressCallback | None
    probe_seconds: float = 0.0
    seconds_per_eval_image: float = 0.0
    # Steps of the last epoch when a time budget leaves room for part of one more (0: every epoch whole).
    tail_steps: int = 0

    def total_steps(self) -> int | None:
        """Steps of the whole plan when its last epoch is partial (None when every epoch is whole)."""
        return (self.config.epochs - 1) * self.steps_per_epoch + self.tail_steps if self.tail_steps else None


def fit(
    model: nn.Module,
    data: Dataset,
    config: TrainConfig,
    *,
    progress: ProgressCallback | None = None,
    validation: Split | None = None,
    deadline: float | None = None,
    reserve_images: int = 0,
) -> TrainResult:
    """Train `model` in place on `data.train` and score it on the validation split.

    Same seed and config give the same result on CPU (with a `time_budget` the epoch count depends
    on the measured speed). A non-finite loss ends training with status "diverged" instead of an
    exception; passing `deadline` (a `time.time()` value) ends it with status "cut". With a
    `time_budget`, `reserve_images` more images (a test set the caller scores afterwards) are
    budgeted for evaluation.
    """
    started = time.perf_counter()
    run = _start_run(model, data, config, progress, validation)
    result = TrainResult()
    if config.time_budget is not None:
        images = len(run.train_split)
        run = _first_plan(run, config.time_budget, started, reserve_images)
        if len(run.train_split) < images:
            result.message = (
                f"the time budget fits {len(run.train_split)} of {images} training images: one partial epoch"
            )
    result.epochs_planned = run.config.epochs
    should_stop = None if deadline is None else (lambda: time.time() >= deadline)
    epoch = 0
    while epoch < run.config.epochs:
        if not _run_epoch(run, epoch, result, should_stop):
            break
        epoch += 1
        # The last planned epoch is not replanned: it has already run (or is about to run) under the
        # plan's schedule, and a plan shrunk to the epochs done would leave the cosine short of zero.
        if config.time_budget is not None and run.config.epochs - epoch > 1:
            run = _replan(run, config.time_budget, started, reserve_images, epoch)
    result.epochs_planned = run.config.epochs
    result.seconds = time.perf_counter() - started
    if result.status == "ok" and len(run.validation) > 0:
        _record_final_scores(run, result)
    return result


def _first_plan(run: _TrainingRun, budget: float, started: float, reserve_images: int) -> _TrainingRun:
    """`run` with the epoch count a probe of the training speed says fits in `budget`."""
    speed = measure_speed(run.model, run.data, run.config, run.validation)
    left = budget - (time.perf_counter() - started)
    evaluation_images = len(run.validation) + reserve_images
    epochs = plan_epochs(speed, run.steps_per_epoch, left, evaluation_images)
    images = partial_epoch_images(speed, run.steps_per_epoch, left, evaluation_images, run.config.batch_size)
    tail = 0
    if images is not None and images < len(run.train_split):
        # Not one epoch fits: one pass over a random part of the images, so the budget holds.
        split = training_subset(run.train_split, images, run.generator)
        run = replace(run, train_split=split, steps_per_epoch=max(batch_count(len(split), run.config.batch_size), 1))
    elif images is None:
        reserve = evaluation_images * speed.seconds_per_eval_image
        tail = tail_steps(left - reserve, speed.seconds_per_step * run.steps_per_epoch, run.steps_per_epoch)
    return replace(
        run,
        config=replace(run.config, epochs=epochs + (1 if tail else 0)),
        probe_seconds=time.perf_counter() - started,
        seconds_per_eval_image=speed.seconds_per_eval_image,
        tail_steps=tail,
    )


def _replan(run: _TrainingRun, budget: float, started: float, reserve_images: int, epochs_done: int) -> _TrainingRun:
    """`run` with the epoch count that fits, from the epochs really trained (never fewer than those)."""
    elapsed = time.perf_counter() - started
    per_epoch = (elapsed - run.probe_seconds) / epochs_done
    reserve = (len(run.validation) + reserve_images) * run.seconds_per_eval_image
    epochs = epochs_done + epochs_within(budget - elapsed - reserve, per_epoch)
    tail = tail_steps(budget - elapsed - reserve, per_epoch, run.steps_per_epoch)
    return replace(run, config=replace(run.config, epochs=epochs + (1 if tail else 0)), tail_steps=tail)


def _start_run(
    model: nn.Module,
    data: Dataset,
    config: TrainConfig,
    progress: ProgressCallback | None,
    validation: Split | None,
) -> _TrainingRun:
    """Move `model` to the configured device and layout and draw the training subset.

    The subset is drawn from the same generator that later shuffles the batches, first, so that a
    seed keeps giving the same subset and the same batch order.
    """
    device = torch.device(config.device)
    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format
    model.to(device)
    model.to(memory_format=memory_format)  # type: ignore[call-overload]  # supported, missing from the stubs
    generator = torch.Generator().manual_seed(config.seed)
    train_split = training_subset(data.train, config.train_subset, generator)
    return _TrainingRun(
        model=model,
        data=data,
        config=config,
        train_split=train_split,
        validation=data.validation if validation is None else validation,
        optimizer=make_optimizer(model, config),
        generator=generator,
        device=device,
        memory_format=memory_format,
        steps_per_epoch=max(batch_count(len(train_split), config.batch_size), 1),
        progress=progress,
    )


def _run_epoch(
    run: _TrainingRun, epoch: int, result: TrainResult, should_stop: Callable[[], bool] | None = None
) -> bool:
    """Train one epoch and record its statistics in `result`; False when the loss diverged or
    `should_stop` ended training."""
    config = run.config

    def rate(step: int) -> float:
        return learning_rate_at(config, epoch, step, run.steps_per_epoch, run.total_steps())

    split = run.train_split
    if run.tail_steps and epoch == config.epochs - 1:
        # The partial last epoch of a time budget's plan: its steps over a random part of the images.
        split = training_subset(split, run.tail_steps * config.batch_size, run.generator)

    def on_step(step: int, steps: int, loss: float) -> None:
        if run.progress is not None:
            run.progress(Progress(epoch, config.epochs, step, steps, loss))

    stats = train_one_epoch(
        run.model,
        run.optimizer,
        split,
        run.data.info,
        batch_size=config.batch_size,
        learning_rate=rate,
        generator=run.generator,
        augment=config.augment,
        device=run.device,
        on_step=on_step if run.progress is not None else None,
        memory_format=run.memory_format,
        random_erasing=config.random_erasing,
        label_smoothing=config.label_smoothing,
        should_stop=should_stop,
        mixed_precision=config.mixed_precision,
    )
    result.images_seen += stats.images
    if stats.diverged:
        result.status = "diverged"
        result.message = f"loss became NaN or infinite in epoch {epoch + 1}; try a lower learning rate"
        return False
    if stats.stopped:
        result.status = "cut"
        result.message = f"deadline reached in epoch {epoch + 1} of {config.epochs}"
        return False
    result.epochs_completed = epoch + 1
    result.epochs_trained += stats.images / max(len(run.train_split), 1)
    result.train_loss.append(stats.loss)
    result.train_accuracy.append(stats.accuracy)
    # The last epoch's score is recorded once, by `_record_final_scores`.
    if config.evaluate_each_epoch and len(run.validation) > 0 and epoch + 1 < config.epochs:
        result.validation_history.append(_evaluate_validation(run).accuracy)
    return True


def _evaluate_validation(run: _TrainingRun) -> EvalStats:
    """Loss and accuracy of the model on the validation split."""
    return evaluate(
        run.model,
        run.validation,
        run.data.info,
        batch_size=run.config.eval_batch_size,
        device=run.device,
        memory_format=run.memory_format,
    )


def _record_final_scores(run: _TrainingRun, result: TrainResult) -> None:
    """Score the trained model on the validation split and store the scores in `result`."""
    scores = _evaluate_validation(run)
    result.validation_accuracy = scores.accuracy
    result.validation_loss = scores.loss
    result.validation_history.append(scores.accuracy)


def full_training_data(data: Dataset) -> Dataset:
    """`data` with the validation images folded back into the training split (for final training)."""
    merged = Split(
        torch.cat([data.train.images, data.validation.images]),
        torch.cat([data.train.labels, data.validation.labels]),
    )
    return replace(data, train=merged)
