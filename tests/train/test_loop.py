"""Tests of `eas.train.loop`: `train_one_epoch` (steps, rates, statistics, divergence) and `evaluate`."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as functional
from torch import nn

from eas.build import build_model
from eas.data import DatasetInfo, Split
from eas.spec import NetSpec
from eas.train import EpochStats, EvalStats, evaluate, evaluate_with_flips, train_one_epoch

INFO = DatasetInfo("toy", (1, 4, 4), 3, (0.4,), (0.2,), 0, False)


def random_split(count: int, seed: int = 0) -> Split:
    generator = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (count, 1, 4, 4), generator=generator, dtype=torch.uint8)
    return Split(images, torch.randint(0, 3, (count,), generator=generator))


def normalized(split: Split) -> torch.Tensor:
    return (split.images.float() / 255 - 0.4) / 0.2


class Recorder(nn.Module):
    """A linear model without BatchNorm that records its inputs, its mode and its number of calls;
    from call `nan_from_call` on (counted from 1) it returns NaN logits."""

    def __init__(self, nan_from_call: int | None = None) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.linear = nn.Linear(16, 3)
        self.inputs: list[torch.Tensor] = []
        self.modes: list[bool] = []
        self.nan_from_call = nan_from_call

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        self.inputs.append(images.detach().clone())
        self.modes.append(self.training)
        logits = self.linear(images.flatten(1))
        if self.nan_from_call is not None and len(self.inputs) >= self.nan_from_call:
            logits = logits * float("nan")
        return logits


def small_net() -> nn.Module:
    torch.manual_seed(0)
    return build_model(NetSpec.parse("conv-3-3 pool conv-4-1 gap fc-5", (1, 4, 4), 3))


def sgd(model: nn.Module) -> torch.optim.SGD:
    return torch.optim.SGD(model.parameters(), lr=1.0, momentum=0.9)


def epoch(model: nn.Module, split: Split, rate: float = 0.05, **options) -> EpochStats:
    options.setdefault("batch_size", 4)
    options.setdefault("generator", torch.Generator().manual_seed(0))
    return train_one_epoch(model, sgd(model), split, INFO, learning_rate=lambda step: rate, **options)


# ----- train_one_epoch --------------------------------------------------------------------------
def test_statistics_are_the_mean_over_all_images() -> None:
    # With a zero learning rate the model never changes, so the epoch's mean loss and accuracy
    # (over batches of different sizes, in any order) equal those of the whole split at once.
    split = random_split(10)
    model = Recorder()
    stats = epoch(model, split, rate=0.0, batch_size=4, augment=False)
    with torch.no_grad():
        logits = model.linear(normalized(split).flatten(1))
    assert stats.images == 10 and not stats.diverged
    assert stats.loss == pytest.approx(float(functional.cross_entropy(logits, split.labels)), rel=1e-5)
    assert stats.accuracy == pytest.approx(float((logits.argmax(1) == split.labels).float().mean()))
    assert [len(batch) for batch in model.inputs] == [4, 4, 2]


def test_every_image_is_used_once_and_normalized() -> None:
    split = random_split(10)
    model = Recorder()
    epoch(model, split, rate=0.0, batch_size=3, augment=False)
    seen = torch.cat(model.inputs)
    expected = normalized(split)
    assert seen.shape == expected.shape
    order = [next(i for i in range(10) if torch.allclose(row, expected[i])) for row in seen]
    assert sorted(order) == list(range(10))
    assert order != list(range(10))  # shuffled


def test_zero_learning_rate_leaves_the_weights() -> None:
    model = small_net()
    before = {key: value.clone() for key, value in model.state_dict().items()}
    epoch(model, random_split(12), rate=0.0)
    after = model.state_dict()
    for key, value in before.items():
        if "running" in key or "num_batches" in key:
            continue
        assert torch.equal(after[key], value), key
    assert not torch.equal(after["body.layer0.bn.running_mean"], before["body.layer0.bn.running_mean"])
    assert int(after["body.layer0.bn.num_batches_tracked"]) == 3


def test_learning_rate_is_set_for_every_step() -> None:
    model = small_net()
    optimizer = sgd(model)
    asked: list[int] = []
    rates_used: list[float] = []

    def rate(step: int) -> float:
        asked.append(step)
        return 0.01 * (step + 1)

    def on_step(step: int, steps: int, loss: float) -> None:
        rates_used.append(optimizer.param_groups[0]["lr"])
        assert steps == 3 and math.isfinite(loss)

    generator = torch.Generator().manual_seed(0)
    train_one_epoch(
        model, optimizer, random_split(10), INFO, batch_size=4, learning_rate=rate, generator=generator, on_step=on_step
    )
    assert asked == [0, 1, 2]
    assert rates_used == pytest.approx([0.01, 0.02, 0.03])
    assert all(group["lr"] == pytest.approx(0.03) for group in optimizer.param_groups)


def test_training_changes_the_weights_and_puts_the_model_in_train_mode() -> None:
    model = small_net().eval()
    before = model.classifier.weight.detach().clone()
    stats = epoch(model, random_split(12), rate=0.1)
    assert model.training and all(module.training for module in model.modules())
    assert not torch.equal(model.classifier.weight, before)
    assert stats.images == 12 and math.isfinite(stats.loss) and 0.0 <= stats.accuracy <= 1.0


def test_same_generator_seed_same_epoch() -> None:
    first, second = small_net(), small_net()
    one = epoch(first, random_split(12), rate=0.1, augment=True)
    two = epoch(second, random_split(12), rate=0.1, augment=True)
    assert one == two
    assert all(
        torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values(), strict=True)
    )
    third = small_net()
    epoch(third, random_split(12), rate=0.1, generator=torch.Generator().manual_seed(1))
    assert not torch.equal(third.classifier.weight, first.classifier.weight)


def test_non_finite_loss_stops_the_epoch_without_raising() -> None:
    model = Recorder(nan_from_call=3)
    before = model.linear.weight.detach().clone()
    stats = epoch(model, random_split(20), rate=0.1, batch_size=4)
    assert stats.diverged
    assert stats.images == 8  # the two finite batches
    assert math.isnan(stats.loss) and stats.accuracy == 0.0
    assert len(model.inputs) == 3  # stopped at the first NaN batch
    assert not torch.isnan(model.linear.weight).any()  # the NaN loss was not back-propagated
    assert not torch.equal(model.linear.weight, before)


def test_nan_on_the_first_batch() -> None:
    model = small_net()
    with torch.no_grad():
        model.classifier.bias.fill_(float("nan"))
    stats = epoch(model, random_split(8))
    assert (stats.diverged, stats.images, stats.accuracy) == (True, 0, 0.0)
    assert math.isnan(stats.loss)


def test_mixed_precision_runs_the_forward_pass_in_bfloat16_and_keeps_float32_weights() -> None:
    seen: list[torch.dtype] = []
    plain, mixed = small_net(), small_net()
    mixed.classifier.register_forward_hook(lambda module, inputs, output: seen.append(output.dtype))
    full = epoch(plain, random_split(24), rate=0.1)
    half = epoch(mixed, random_split(24), rate=0.1, mixed_precision=True)
    assert seen and set(seen) == {torch.bfloat16}
    assert all(parameter.dtype == torch.float32 for parameter in mixed.parameters())
    assert math.isfinite(half.loss) and half.loss != full.loss  # rounded differently ...
    assert half.loss == pytest.approx(full.loss, rel=0.05)  # ... but the same training


# ----- evaluate ---------------------------------------------------------------------------------
def test_evaluate_scores_exactly() -> None:
    split = random_split(11, seed=4)
    model = Recorder()
    scores = evaluate(model, split, INFO, batch_size=4)
    with torch.no_grad():
        logits = model.linear(normalized(split).flatten(1))
    assert scores.images == 11
    assert scores.loss == pytest.approx(float(functional.cross_entropy(logits, split.labels)), rel=1e-5)
    assert scores.accuracy == pytest.approx(float((logits.argmax(1) == split.labels).float().mean()))
    assert [len(batch) for batch in model.inputs] == [4, 4, 3]
    assert torch.allclose(torch.cat(model.inputs), normalized(split))  # in order, no augmentation
    assert model.modes == [False, False, False]
    whole = evaluate(model, split, INFO, batch_size=500)
    assert whole.accuracy == scores.accuracy and whole.loss == pytest.approx(scores.loss)


def test_evaluate_restores_the_mode() -> None:
    model = small_net().train()
    evaluate(model, random_split(6), INFO)
    assert model.training and all(module.training for module in model.modules())
    model.eval()
    evaluate(model, random_split(6), INFO)
    assert not any(module.training for module in model.modules())


def test_evaluate_changes_nothing_and_needs_no_gradients() -> None:
    model = small_net().train()
    before = {key: value.clone() for key, value in model.state_dict().items()}
    first = evaluate(model, random_split(9), INFO, batch_size=2)
    second = evaluate(model, random_split(9), INFO, batch_size=5)
    assert all(torch.equal(value, before[key]) for key, value in model.state_dict().items())
    assert all(parameter.grad is None for parameter in model.parameters())
    assert first.accuracy == second.accuracy and first.loss == pytest.approx(second.loss, rel=1e-6)


def test_evaluate_predicting_one_class() -> None:
    class AlwaysFirst(nn.Module):
        def forward(self, images: torch.Tensor) -> torch.Tensor:
            logits = torch.zeros(len(images), 3)
            logits[:, 0] = math.log(2.0)  # probabilities 1/2, 1/4, 1/4
            return logits

    labels = torch.tensor([0, 0, 1, 2, 0, 1, 1, 1])
    split = Split(torch.zeros((8, 1, 4, 4), dtype=torch.uint8), labels)
    scores = evaluate(AlwaysFirst(), split, INFO, batch_size=3)
    assert scores.accuracy == pytest.approx(3 / 8)
    assert scores.loss == pytest.approx((3 * math.log(2) + 5 * math.log(4)) / 8)


def test_evaluate_empty_split() -> None:
    empty = Split(torch.zeros((0, 1, 4, 4), dtype=torch.uint8), torch.zeros(0, dtype=torch.int64))
    assert evaluate(small_net(), empty, INFO) == EvalStats(0.0, 0.0, 0)


# ----- evaluate with flip averaging -------------------------------------------------------------
FLIPPING = DatasetInfo("toy", (1, 4, 4), 3, (0.4,), (0.2,), 0, True)


def test_flip_averaging_scores_the_mean_probabilities_of_each_image_and_its_mirror() -> None:
    split = random_split(7, seed=5)
    model = Recorder()
    _, scores = evaluate_with_flips(model, split, FLIPPING, batch_size=4)
    images = normalized(split)
    with torch.no_grad():
        plain = torch.softmax(model.linear(images.flatten(1)), dim=1)
        mirrored = torch.softmax(model.linear(images.flip(dims=(3,)).flatten(1)), dim=1)
    probabilities = (plain + mirrored) / 2
    expected_loss = -probabilities[torch.arange(7), split.labels].log().mean()
    assert scores.images == 7 and scores.loss == pytest.approx(float(expected_loss), rel=1e-5)
    assert scores.accuracy == pytest.approx(float((probabilities.argmax(1) == split.labels).float().mean()))
    # Each batch is seen as it is, then mirrored left-right (the last axis), and nothing else.
    assert [len(batch) for batch in model.inputs] == [4, 4, 3, 3]
    assert torch.allclose(torch.cat(model.inputs[0::2]), images)
    assert torch.allclose(torch.cat(model.inputs[1::2]), images.flip(dims=(3,)))
    assert model.modes == [False] * 4


def test_flip_averaging_changes_the_verdict_where_the_mirror_image_disagrees() -> None:
    class LeftColumn(nn.Module):
        """Logits (2, 0) when the image's left column is bright, else (0, 1)."""

        def forward(self, images: torch.Tensor) -> torch.Tensor:
            bright = (images[:, 0, :, 0].mean(dim=1) > 0).float()
            return torch.stack((2 * bright, 1 - bright), dim=1)

    pixels = torch.zeros((2, 1, 4, 4), dtype=torch.uint8)
    pixels[0, :, :, 0] = 255  # bright on the left: class 0 as it is, class 1 mirrored
    pixels[1, :, :, 3] = 255  # bright on the right: class 1 as it is, class 0 mirrored
    split = Split(pixels, torch.tensor([0, 0]))
    assert evaluate(LeftColumn(), split, FLIPPING).accuracy == 0.5
    # Each image and its mirror give class 0 the probabilities sigmoid(2) and sigmoid(-1): 0.575 on average.
    plain, averaged = evaluate_with_flips(LeftColumn(), split, FLIPPING)
    assert plain.accuracy == 0.5
    mean_probability = (torch.sigmoid(torch.tensor(2.0)) + torch.sigmoid(torch.tensor(-1.0))) / 2
    assert averaged.accuracy == 1.0 and averaged.loss == pytest.approx(-math.log(float(mean_probability)))


def test_flip_averaging_is_refused_for_a_dataset_that_is_never_flipped() -> None:
    with pytest.raises(ValueError, match=r"dataset 'toy' does not allow.*leave flip averaging off"):
        evaluate_with_flips(small_net(), random_split(4), INFO)


def test_evaluate_with_flips_gives_the_plain_figures_from_the_same_pass() -> None:
    split = random_split(9, seed=6)
    model = Recorder()
    plain, _ = evaluate_with_flips(model, split, FLIPPING, batch_size=5)
    assert len(model.inputs) == 4  # two batches, each seen as it is and mirrored: no third pass
    assert plain == evaluate(Recorder(), split, FLIPPING, batch_size=5)
