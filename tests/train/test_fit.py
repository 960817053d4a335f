"""Tests of `eas.train.fit`: the learning-rate schedule, the optimizer groups, `fit` (determinism,
subset, divergence, progress) and `full_training_data`."""

from __future__ import annotations

import importlib
import itertools
import math
from dataclasses import replace
from typing import Any

import pytest
import torch

from eas.build import build_model
from eas.data import Dataset, DatasetInfo, Split
from eas.spec import NetSpec
from eas.train import Progress, TrainConfig, fit, full_training_data, learning_rate_at, make_optimizer
from eas.train.budget import SAFETY_FRACTION, Speed
from eas.train.fit import training_subset

ARCH = "conv-4-3 pool conv-8-3 gap fc-8"


def quadrant_split(count: int, seed: int) -> Split:
    """4 classes of 1 x 8 x 8 images: a bright quadrant (the label) on dark noise."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 4, (count,), generator=generator)
    images = torch.randint(0, 80, (count, 1, 8, 8), generator=generator)
    for index, label in enumerate(labels.tolist()):
        row, column = divmod(label, 2)
        images[index, 0, row * 4 : row * 4 + 4, column * 4 : column * 4 + 4] += 160
    return Split(images.to(torch.uint8).contiguous(), labels)


def toy_data(train: int = 96, validation: int = 40, test: int = 24, pad: int = 1, flip: bool = False) -> Dataset:
    # No flips by default: a horizontal flip moves the quadrant and so changes the label.
    info = DatasetInfo("toy", (1, 8, 8), 4, (0.3,), (0.3,), pad, flip)
    return Dataset(info, quadrant_split(train, 1), quadrant_split(validation, 2), quadrant_split(test, 3))


def toy_model(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return build_model(NetSpec.parse(ARCH, (1, 8, 8), 4))


def states_equal(first: torch.nn.Module, second: torch.nn.Module) -> bool:
    one, two = first.state_dict(), second.state_dict()
    return one.keys() == two.keys() and all(torch.equal(one[key], two[key]) for key in one)


# ----- learning rate ----------------------------------------------------------------------------
def test_epoch_schedule_is_constant_within_an_epoch() -> None:
    config = TrainConfig(epochs=4, learning_rate=0.1, schedule="epoch")
    assert learning_rate_at(config, 0, 0, 10) == pytest.approx(0.1)
    assert learning_rate_at(config, 0, 9, 10) == pytest.approx(0.1)
    assert learning_rate_at(config, 1, 0, 10) == pytest.approx(0.05 * (1 + math.cos(math.pi / 4)))
    assert learning_rate_at(config, 1, 7, 10) == learning_rate_at(config, 1, 0, 10)
    assert learning_rate_at(config, 2, 5, 10) == pytest.approx(0.05)
    assert learning_rate_at(config, 3, 9, 10) == pytest.approx(0.05 * (1 + math.cos(3 * math.pi / 4)))


def test_one_epoch_with_the_epoch_schedule_keeps_the_peak_rate() -> None:
    config = TrainConfig(epochs=1, learning_rate=0.02, schedule="epoch")
    assert [learning_rate_at(config, 0, step, 50) for step in range(50)] == pytest.approx([0.02] * 50)


def test_schedule_windows_join_into_one_cosine() -> None:
    whole = TrainConfig(epochs=4, learning_rate=0.1, schedule="step")
    first = replace(whole, epochs=1, schedule_window=(0.0, 0.25))
    rest = replace(whole, epochs=3, schedule_window=(0.25, 1.0))
    joined = [learning_rate_at(first, 0, step, 10) for step in range(10)]
    joined += [learning_rate_at(rest, epoch, step, 10) for epoch in range(3) for step in range(10)]
    expected = [learning_rate_at(whole, epoch, step, 10) for epoch in range(4) for step in range(10)]
    assert joined == pytest.approx(expected)
    # The first part stops above zero: it never anneals what the second part continues.
    assert joined[9] > 0.08


def test_schedule_window_must_be_an_increasing_pair_of_fractions() -> None:
    for window in ((0.5, 0.5), (-0.1, 0.5), (0.2, 1.5), (0.1,)):
        with pytest.raises(ValueError, match="schedule_window"):
            TrainConfig(schedule_window=window)  # type: ignore[arg-type]
    assert TrainConfig.from_dict({"schedule_window": [0.2, 0.6]}).schedule_window == (0.2, 0.6)


def test_step_schedule_decays_every_step() -> None:
    config = TrainConfig(epochs=2, learning_rate=0.1, schedule="step")
    rates = [learning_rate_at(config, epoch, step, 10) for epoch in range(2) for step in range(10)]
    assert rates[0] == pytest.approx(0.1)
    assert rates[10] == pytest.approx(0.05)  # half-way: epoch 1, step 0
    assert rates[-1] == pytest.approx(0.05 * (1 + math.cos(math.pi * 19 / 20)))
    assert rates[-1] < 1e-3
    assert all(later < earlier for earlier, later in itertools.pairwise(rates))
    for global_step, rate in enumerate(rates):
        assert rate == pytest.approx(0.05 * (1 + math.cos(math.pi * global_step / 20)))


def test_warmup_ramps_linearly_then_follows_the_cosine() -> None:
    config = TrainConfig(epochs=1, learning_rate=0.2, schedule="epoch", warmup_steps=4)
    rates = [learning_rate_at(config, 0, step, 10) for step in range(6)]
    assert rates == pytest.approx([0.05, 0.1, 0.15, 0.2, 0.2, 0.2])
    stepped = TrainConfig(epochs=2, learning_rate=0.2, schedule="step", warmup_steps=5)
    for global_step in range(12):
        epoch, step = divmod(global_step, 6)
        cosine = 0.1 * (1 + math.cos(math.pi * global_step / 12))
        ramp = min((global_step + 1) / 5, 1.0)
        assert learning_rate_at(stepped, epoch, step, 6) == pytest.approx(cosine * ramp)


def test_warmup_counts_steps_across_epochs() -> None:
    config = TrainConfig(epochs=3, learning_rate=1.0, schedule="epoch", warmup_steps=6)
    # Epoch 1 starts at global step 4 of a 4-step epoch: ramp 5/6 on the cosine of epoch 1.
    assert learning_rate_at(config, 1, 0, 4) == pytest.approx(0.5 * (1 + math.cos(math.pi / 3)) * 5 / 6)
    assert learning_rate_at(config, 1, 2, 4) == pytest.approx(0.5 * (1 + math.cos(math.pi / 3)))


# ----- optimizer --------------------------------------------------------------------------------
def test_weight_decay_only_on_weights_of_more_than_one_dimension() -> None:
    model = toy_model()
    config = TrainConfig(learning_rate=0.07, momentum=0.8, weight_decay=3e-4)
    optimizer = make_optimizer(model, config)
    decayed, other = optimizer.param_groups
    names = {id(parameter): name for name, parameter in model.named_parameters()}
    assert sorted(names[id(p)] for p in decayed["params"]) == [
        "body.layer0.conv.weight",
        "body.layer2.conv.weight",
        "body.layer4.fc.weight",
        "classifier.weight",
    ]
    assert sorted(names[id(p)] for p in other["params"]) == sorted(
        name for name in names.values() if name.endswith(("bn.weight", "bn.bias", "classifier.bias"))
    )
    assert len(decayed["params"]) + len(other["params"]) == len(list(model.parameters()))
    assert (decayed["weight_decay"], other["weight_decay"]) == (3e-4, 0.0)
    for group in (decayed, other):
        assert (group["lr"], group["momentum"], group["nesterov"]) == (0.07, 0.8, True)


def test_no_momentum_means_no_nesterov() -> None:
    optimizer = make_optimizer(toy_model(), TrainConfig(momentum=0.0))
    assert all(group["nesterov"] is False and group["momentum"] == 0.0 for group in optimizer.param_groups)


def test_frozen_parameters_are_left_out() -> None:
    model = toy_model()
    model.classifier.weight.requires_grad_(False)
    optimizer = make_optimizer(model, TrainConfig())
    assert all(
        parameter is not model.classifier.weight for group in optimizer.param_groups for parameter in group["params"]
    )


# ----- fit --------------------------------------------------------------------------------------
def test_fit_learns_the_toy_task() -> None:
    data = toy_data(train=256)
    model = toy_model()
    config = TrainConfig(epochs=3, learning_rate=0.1, batch_size=32, schedule="step")
    result = fit(model, data, config)
    assert result.status == "ok" and result.message == ""
    assert result.epochs_completed == 3
    assert len(result.train_loss) == len(result.train_accuracy) == 3
    assert result.train_loss[-1] < result.train_loss[0]
    assert result.validation_accuracy is not None and result.validation_accuracy >= 0.9
    assert result.validation_loss is not None and result.validation_loss < math.log(4)
    assert result.validation_history == [result.validation_accuracy]
    assert result.images_seen == 3 * 256
    assert result.seconds > 0 and result.images_per_second > 0


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_a_gpu_fit_learns_as_on_the_cpu_and_leaves_the_dataset_where_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # TF32 convolutions would round far above float32 level; the comparison is of the same arithmetic.
    monkeypatch.setattr(torch.backends.cudnn, "allow_tf32", False)
    monkeypatch.setattr(torch.backends.cuda.matmul, "allow_tf32", False)
    data = toy_data(train=256)
    config = TrainConfig(epochs=2, learning_rate=0.1, batch_size=32, schedule="step")
    on_cpu, on_gpu = toy_model(), toy_model()
    cpu = fit(on_cpu, data, config)
    gpu = fit(on_gpu, data, replace(config, device="cuda"))
    assert gpu.status == "ok" and gpu.images_seen == cpu.images_seen == 2 * 256
    assert gpu.train_loss == pytest.approx(cpu.train_loss, rel=1e-4)
    assert gpu.validation_accuracy == pytest.approx(cpu.validation_accuracy, abs=1 / 40)
    for name, value in on_gpu.state_dict().items():
        torch.testing.assert_close(value.cpu(), on_cpu.state_dict()[name], rtol=1e-3, atol=1e-4)
    assert data.train.images.device.type == "cpu"  # fit copied the split to the GPU; the caller's stays


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_on_a_gpu_mixed_precision_learns_the_toy_task() -> None:
    config = TrainConfig(epochs=3, learning_rate=0.1, batch_size=32, schedule="step", device="cuda")
    result = fit(toy_model(), toy_data(train=256), replace(config, mixed_precision=True))
    assert result.status == "ok" and result.epochs_completed == 3
    assert result.validation_accuracy is not None and result.validation_accuracy >= 0.9


def test_on_the_cpu_mixed_precision_learns_the_toy_task() -> None:
    # bench/speed_options.py once wrapped all of `fit` in autocast and its network stayed at chance; the
    # trainer's own mixed precision (forward pass only) must learn on a CPU too.
    config = TrainConfig(epochs=3, learning_rate=0.1, batch_size=32, schedule="step", mixed_precision=True)
    result = fit(toy_model(), toy_data(train=256), config)
    assert result.status == "ok" and result.epochs_completed == 3
    assert result.validation_accuracy is not None and result.validation_accuracy >= 0.9


def test_same_seed_gives_identical_weights_and_results() -> None:
    data = toy_data()
    config = TrainConfig(epochs=2, learning_rate=0.05, batch_size=16, seed=7)
    first, second = toy_model(), toy_model()
    first_result, second_result = fit(first, data, config), fit(second, data, config)
    assert states_equal(first, second)
    assert first_result.train_loss == second_result.train_loss
    assert first_result.train_accuracy == second_result.train_accuracy
    assert first_result.validation_accuracy == second_result.validation_accuracy
    assert first_result.validation_loss == second_result.validation_loss

    third = toy_model()
    third_result = fit(third, data, TrainConfig(epochs=2, learning_rate=0.05, batch_size=16, seed=8))
    assert not states_equal(first, third)
    assert third_result.train_loss != first_result.train_loss


def test_train_subset_is_honoured() -> None:
    data = toy_data(train=96)
    result = fit(toy_model(), data, TrainConfig(epochs=2, batch_size=16, train_subset=40, augment=False))
    assert result.images_seen == 2 * 40
    whole = fit(toy_model(), data, TrainConfig(epochs=1, batch_size=16, train_subset=500, augment=False))
    assert whole.images_seen == 96
    everything = fit(toy_model(), data, TrainConfig(epochs=1, batch_size=16, augment=False))
    assert everything.images_seen == 96


def test_training_subset_draws_distinct_images() -> None:
    split = quadrant_split(50, 0)
    generator = torch.Generator().manual_seed(0)
    subset = training_subset(split, 20, generator)
    assert len(subset) == 20
    rows = {tuple(image.flatten().tolist()) for image in subset.images}
    assert len(rows) == 20  # sampled without replacement
    all_rows = [tuple(image.flatten().tolist()) for image in split.images]
    for image, label in zip(subset.images, subset.labels, strict=True):
        assert split.labels[all_rows.index(tuple(image.flatten().tolist()))] == label
    assert training_subset(split, None, generator) is split
    assert training_subset(split, 50, generator) is split


def test_divergence_is_a_status_not_an_exception() -> None:
    model = toy_model()
    result = fit(model, toy_data(), TrainConfig(epochs=3, learning_rate=1e6, batch_size=16))
    assert result.status == "diverged" and result.diverged
    assert "NaN or infinite" in result.message and "epoch 1" in result.message
    assert result.epochs_completed == 0
    assert result.train_loss == [] and result.validation_accuracy is None and result.validation_loss is None
    assert result.images_seen < 3 * 96
    assert result.to_dict()["status"] == "diverged"


def test_progress_reports_every_step() -> None:
    events: list[Progress] = []
    fit(toy_model(), toy_data(train=40), TrainConfig(epochs=2, batch_size=16), progress=events.append)
    assert [(event.epoch, event.step, event.steps, event.epochs) for event in events] == [
        (epoch, step, 3, 2) for epoch in range(2) for step in range(3)
    ]
    assert all(math.isfinite(event.loss) and event.loss > 0 for event in events)


def test_evaluate_each_epoch_fills_the_history() -> None:
    result = fit(toy_model(), toy_data(), TrainConfig(epochs=3, batch_size=32, evaluate_each_epoch=True))
    assert len(result.validation_history) == 3
    assert result.validation_history[-1] == result.validation_accuracy
    assert all(0.0 <= accuracy <= 1.0 for accuracy in result.validation_history)


def test_zero_epochs_only_evaluates() -> None:
    model = toy_model()
    before = {key: value.clone() for key, value in model.state_dict().items()}
    result = fit(model, toy_data(), TrainConfig(epochs=0))
    assert (result.status, result.epochs_completed, result.images_seen) == ("ok", 0, 0)
    assert result.validation_accuracy is not None
    assert all(torch.equal(before[key], value) for key, value in model.state_dict().items())


def test_explicit_validation_split_is_used() -> None:
    data = toy_data()
    model = toy_model()
    only_class_zero = Split(data.validation.images[:5].clone(), torch.zeros(5, dtype=torch.int64))
    result = fit(model, data, TrainConfig(epochs=0), validation=only_class_zero)
    with torch.no_grad():
        predictions = model.eval()(((only_class_zero.images.float() / 255) - 0.3) / 0.3).argmax(dim=1)
    assert result.validation_accuracy == pytest.approx(float((predictions == 0).float().mean()))


def test_empty_validation_split_gives_no_accuracy() -> None:
    data = toy_data()
    empty = Split(torch.zeros((0, 1, 8, 8), dtype=torch.uint8), torch.zeros(0, dtype=torch.int64))
    result = fit(toy_model(), data, TrainConfig(epochs=1, batch_size=32), validation=empty)
    assert result.status == "ok" and result.validation_accuracy is None and result.validation_history == []


# ----- full training data -----------------------------------------------------------------------
def test_full_training_data_merges_train_and_validation() -> None:
    data = toy_data(train=30, validation=12, test=5)
    merged = full_training_data(data)
    assert len(merged.train) == 42
    assert torch.equal(merged.train.images[:30], data.train.images)
    assert torch.equal(merged.train.images[30:], data.validation.images)
    assert torch.equal(merged.train.labels, torch.cat([data.train.labels, data.validation.labels]))
    assert merged.validation is data.validation and merged.test is data.test and merged.info is data.info
    assert len(data.train) == 30  # the input dataset is unchanged


def test_a_last_batch_of_one_image_does_not_crash() -> None:
    result = fit(toy_model(), toy_data(train=33), TrainConfig(epochs=1, batch_size=16))
    assert result.status == "ok"
    assert result.images_seen in (32, 33)


def test_a_passed_deadline_cuts_training_before_its_first_step() -> None:
    import time

    model = toy_model()
    before = {key: value.clone() for key, value in model.state_dict().items()}
    result = fit(model, toy_data(), TrainConfig(epochs=3, batch_size=16), deadline=time.time() - 1.0)
    assert result.status == "cut" and result.cut and result.epochs_completed == 0
    assert "deadline" in result.message and result.validation_accuracy is None
    assert all(torch.equal(before[key], value) for key, value in model.state_dict().items() if "num_batches" not in key)


def test_a_time_budget_plans_the_epochs_and_the_schedule_ends() -> None:
    planned: list[int] = []

    def progress(event: Progress) -> None:
        planned.append(event.epochs)

    result = fit(toy_model(), toy_data(), TrainConfig(epochs=1, batch_size=16, time_budget=2.0), progress=progress)
    assert result.status == "ok" and result.epochs_planned > 1, "`epochs` is replaced by the budget's plan"
    assert result.epochs_completed == result.epochs_planned
    assert planned[-1] == result.epochs_planned  # the last steps ran under the final plan


def test_a_budget_with_room_for_part_of_an_epoch_trains_it_and_the_cosine_ends_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The probe says 2.6 epochs fit: two whole epochs, then a third of 3 of the 6 steps (0.6 of an
    epoch, rounded down) on a random part of the images, with the per-step cosine ending at the last
    of those steps. The replan, which would read the toy's real speed, is held to the first plan."""
    fit_module = importlib.import_module("eas.train.fit")
    per_step = 0.05
    monkeypatch.setattr(fit_module, "measure_speed", lambda *_: Speed(per_step, 0.0))
    monkeypatch.setattr(fit_module, "_replan", lambda run, *_: run)
    rates: list[float] = []
    original = fit_module.learning_rate_at

    def recorded_rate(*arguments: Any) -> float:
        rates.append(original(*arguments))
        return rates[-1]

    monkeypatch.setattr(fit_module, "learning_rate_at", recorded_rate)
    budget = 2.6 * 6 * per_step / (1 - SAFETY_FRACTION)  # 6 steps of 16 images an epoch
    config = TrainConfig(epochs=1, batch_size=16, learning_rate=0.1, schedule="step", time_budget=budget)
    result = fit(toy_model(), toy_data(train=96), config)
    assert result.status == "ok" and result.epochs_completed == result.epochs_planned == 3
    assert result.images_seen == 2 * 96 + 3 * 16 and result.epochs_trained == 2.5
    assert len(rates) == 2 * (2 * 6 + 3)  # each step sets both parameter groups (decayed weights, the rest)
    assert rates[0] == pytest.approx(0.1)
    assert rates[-1] == pytest.approx(0.05 * (1 + math.cos(math.pi * 14 / 15)))  # step 14 of 15


def test_the_last_planned_epoch_is_not_replanned_away(monkeypatch: pytest.MonkeyPatch) -> None:
    """A replan after the next-to-last epoch that finds no room for the last one (a slightly slower
    epoch) must not end training there: that epoch ran under the longer plan, so its cosine would stop
    short of zero. The budget's plan is fixed at 4 epochs and the replan says "nothing more fits" from
    the third epoch on."""
    # The module, not the `fit` function that `eas.train` exports under the same name.
    fit_module = importlib.import_module("eas.train.fit")

    def first_plan(run: Any, *_: Any) -> Any:
        return replace(run, config=replace(run.config, epochs=4))

    def replan(run: Any, budget: float, started: float, reserve_images: int, epochs_done: int) -> Any:
        epochs = epochs_done if epochs_done >= 3 else run.config.epochs
        return replace(run, config=replace(run.config, epochs=epochs))

    monkeypatch.setattr(fit_module, "_first_plan", first_plan)
    monkeypatch.setattr(fit_module, "_replan", replan)
    planned: list[int] = []
    config = TrainConfig(epochs=1, batch_size=16, time_budget=60.0)
    result = fit(toy_model(), toy_data(), config, progress=lambda event: planned.append(event.epochs))
    assert result.epochs_completed == result.epochs_planned == 4
    assert set(planned) == {4}
