"""Epochs from a time budget: measure the training speed on a few steps, then size the schedule.

`fit` asks for a plan when its config has a `time_budget`, and asks again after every epoch with the
speed it really saw, so the cosine schedule (warm-up included) ends within the budget even when the
first guess was off.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass

import torch
from torch import nn

from eas.data import Dataset, Split
from eas.train.config import TrainConfig
from eas.train.loop import EpochStats, batch_count, evaluate, train_one_epoch

# Steps timed by the probe after one untimed step (which pays for allocation and kernel selection).
PROBE_STEPS = 12
# Part of the budget kept free for float noise in the estimate and the final evaluation's jitter.
SAFETY_FRACTION = 0.02
# The smallest partial last epoch worth planning, as a fraction of an epoch: a shorter one would only
# bend the schedule's end for a few steps.
MIN_TAIL_FRACTION = 0.1


@dataclass(frozen=True)
class Speed:
    """Measured costs: seconds per training step and per evaluated image."""

    seconds_per_step: float
    seconds_per_eval_image: float


def measure_speed(model: nn.Module, data: Dataset, config: TrainConfig, validation: Split) -> Speed:
    """Time a few training steps and one evaluation batch on a copy of `model` (the model and its
    optimizer state are left untouched; the steps are thrown away)."""
    from eas.train.fit import make_optimizer  # fit imports this module

    probe = copy.deepcopy(model)
    optimizer = make_optimizer(probe, config)
    generator = torch.Generator().manual_seed(config.seed + 1)
    images = (PROBE_STEPS + 1) * config.batch_size
    indices = torch.randperm(len(data.train), generator=generator)[: min(images, len(data.train))]
    sample = Split(data.train.images[indices], data.train.labels[indices])
    device = next(probe.parameters()).device
    memory_format = torch.channels_last if config.channels_last else torch.contiguous_format

    def train(split: Split) -> EpochStats:
        # The recipe's own augmentation and layout, at learning rate 0: only the time matters.
        return train_one_epoch(
            probe,
            optimizer,
            split,
            data.info,
            batch_size=config.batch_size,
            learning_rate=lambda step: 0.0,
            generator=generator,
            augment=config.augment,
            device=device,
            memory_format=memory_format,
            random_erasing=config.random_erasing,
            mixed_precision=config.mixed_precision,
        )

    train(Split(sample.images[: config.batch_size], sample.labels[: config.batch_size]))  # untimed warm-up
    started = time.perf_counter()
    stats = train(Split(sample.images[config.batch_size :], sample.labels[config.batch_size :]))
    steps = max(batch_count(stats.images, config.batch_size), 1)
    seconds_per_step = (time.perf_counter() - started) / steps
    eval_images = Split(validation.images[: config.eval_batch_size], validation.labels[: config.eval_batch_size])
    started = time.perf_counter()
    if len(eval_images) > 0:
        evaluate(probe, eval_images, data.info, batch_size=config.eval_batch_size, device=device)
    seconds_per_eval_image = (time.perf_counter() - started) / max(len(eval_images), 1)
    return Speed(seconds_per_step, seconds_per_eval_image)


def epochs_within(seconds: float, seconds_per_epoch: float) -> int:
    """Whole epochs that fit in `seconds` after the safety margin (0 when not even one fits)."""
    usable = seconds * (1.0 - SAFETY_FRACTION)
    return max(math.floor(usable / max(seconds_per_epoch, 1e-9)), 0)


def tail_steps(seconds: float, seconds_per_epoch: float, steps_per_epoch: int) -> int:
    """Steps of one more, partial epoch that fit in what the whole epochs leave of `seconds` (after the
    safety margin), or 0 when that is under `MIN_TAIL_FRACTION` of an epoch. Whole epochs alone leave up
    to an epoch of the budget unused: at 4 planned epochs (a large network in a short final training),
    a fifth of it."""
    usable = max(seconds, 0.0) * (1.0 - SAFETY_FRACTION) / max(seconds_per_epoch, 1e-9)
    fraction = usable - math.floor(usable)
    return math.floor(fraction * steps_per_epoch) if fraction >= MIN_TAIL_FRACTION else 0


def plan_epochs(speed: Speed, steps_per_epoch: int, budget: float, evaluation_images: int) -> int:
    """Epochs whose training and one final evaluation of `evaluation_images` fit in `budget` seconds
    (at least 1: a budget too small for one epoch trains once, on the part `partial_epoch_images` says)."""
    reserve = evaluation_images * speed.seconds_per_eval_image
    return max(epochs_within(budget - reserve, speed.seconds_per_step * steps_per_epoch), 1)


def partial_epoch_images(
    speed: Speed, steps_per_epoch: int, budget: float, evaluation_images: int, batch_size: int
) -> int | None:
    """When not even one epoch and the final evaluation fit in `budget` seconds, the number of training
    images whose steps do (at least one batch); None when a whole epoch fits. Without it a budget
    shorter than an epoch would be overrun by the rest of that epoch."""
    reserve = evaluation_images * speed.seconds_per_eval_image
    if epochs_within(budget - reserve, speed.seconds_per_step * steps_per_epoch) >= 1:
        return None
    steps = math.floor(max(budget - reserve, 0.0) * (1.0 - SAFETY_FRACTION) / max(speed.seconds_per_step, 1e-9))
    return max(steps, 1) * batch_size
