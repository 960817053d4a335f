"""Planning epochs from a time budget: the arithmetic, and a probe that leaves the model untouched."""

from __future__ import annotations

import torch

from eas.train import TrainConfig, fit
from eas.train.budget import (
    MIN_TAIL_FRACTION,
    SAFETY_FRACTION,
    Speed,
    epochs_within,
    measure_speed,
    partial_epoch_images,
    plan_epochs,
    tail_steps,
)
from tests.train.test_fit import toy_data, toy_model


def test_epochs_within_keeps_a_safety_margin() -> None:
    assert epochs_within(100.0, 10.0) == int(100 * (1 - SAFETY_FRACTION) // 10)
    assert epochs_within(9.0, 10.0) == 0
    assert epochs_within(-5.0, 10.0) == 0


def test_plan_epochs_reserves_the_evaluation_and_trains_at_least_once() -> None:
    speed = Speed(seconds_per_step=0.1, seconds_per_eval_image=0.001)
    # 10 steps an epoch = 1 s; 1000 evaluation images = 1 s; 21 s budget -> 20 s of training, less the margin.
    assert plan_epochs(speed, 10, 21.0, 1000) == epochs_within(20.0, 1.0) == 19
    assert plan_epochs(speed, 10, 0.5, 1000) == 1


def test_tail_steps_fill_what_the_whole_epochs_leave() -> None:
    # 20 steps an epoch of 10 s: 4.5 epochs of usable time leave half an epoch, 10 steps.
    assert tail_steps(45.0 / (1 - SAFETY_FRACTION), 10.0, 20) == 10
    assert tail_steps(4.75 * 10.0 / (1 - SAFETY_FRACTION), 10.0, 20) == 15
    # Whole epochs only, or a remainder under the smallest tail worth planning: none.
    assert tail_steps(40.0 / (1 - SAFETY_FRACTION), 10.0, 20) == 0
    assert tail_steps((4 + MIN_TAIL_FRACTION / 2) * 10.0 / (1 - SAFETY_FRACTION), 10.0, 20) == 0
    assert tail_steps(-3.0, 10.0, 20) == 0


def test_measure_speed_leaves_the_model_untouched() -> None:
    model = toy_model()
    before = {key: value.clone() for key, value in model.state_dict().items()}
    data = toy_data()
    speed = measure_speed(model, data, TrainConfig(batch_size=8), data.validation)
    assert speed.seconds_per_step > 0 and speed.seconds_per_eval_image > 0
    assert all(torch.equal(before[key], value) for key, value in model.state_dict().items())


def test_a_budget_shorter_than_an_epoch_trains_on_the_part_that_fits() -> None:
    speed = Speed(seconds_per_step=0.1, seconds_per_eval_image=0.001)
    # 10 steps an epoch = 1 s, plus 1 s of evaluation: a whole epoch fits in 2.1 s, not in 1.5 s.
    assert partial_epoch_images(speed, 10, 2.1, 1000, batch_size=32) is None
    steps = int(0.5 * (1 - SAFETY_FRACTION) / 0.1)  # the 0.5 s left after the evaluation
    assert partial_epoch_images(speed, 10, 1.5, 1000, batch_size=32) == steps * 32
    assert partial_epoch_images(speed, 10, 0.2, 1000, batch_size=32) == 32  # at least one batch


def test_fit_with_a_tiny_budget_stops_inside_the_first_epoch() -> None:
    data = toy_data()
    result = fit(toy_model(), data, TrainConfig(batch_size=8, time_budget=1e-4))
    assert result.status == "ok" and result.epochs_completed == 1
    assert 0 < result.images_seen < len(data.train)
    assert "partial epoch" in result.message
