"""Cost-aware scoring: one-sided MnasNet factor and the FLOPs target derived from the final budget."""

from __future__ import annotations

import pytest

from eas.search import SearchConfig
from eas.search.cost import (
    TRAIN_FLOPS_PER_FORWARD_FLOP,
    child_training_images,
    cost_factor,
    measured_flops_per_second,
    target_flops,
    target_seconds_per_image,
)
from eas.train import TrainConfig


def test_cost_factor_is_one_at_or_below_the_target_and_shrinks_above() -> None:
    assert cost_factor(100, 200.0, -0.07) == 1.0
    assert cost_factor(200, 200.0, -0.07) == 1.0
    assert cost_factor(400, 200.0, -0.07) == pytest.approx(2**-0.07)
    assert cost_factor(800, 200.0, -0.07) < cost_factor(400, 200.0, -0.07) < 1.0
    assert cost_factor(800, 200.0, 0.0) == 1.0
    assert cost_factor(None, 200.0, -0.07) == cost_factor(800, None, -0.07) == 1.0


def test_target_flops_is_what_the_final_share_affords() -> None:
    config = SearchConfig(
        time_budget=1000.0, train_final=True, final_share=0.3, cost_exponent=-0.07, final_epochs_target=10
    )
    flops_per_second = measured_flops_per_second(1_000_000, 500.0)
    assert flops_per_second == 1_000_000 * TRAIN_FLOPS_PER_FORWARD_FLOP * 500.0
    target = target_flops(config, flops_per_second, 60_000)
    # 300 s of final training at 1.5 GFLOP/s, 10 epochs of 60k images at 3 x FLOPs each.
    assert target == pytest.approx(1.5e9 * 300 / (10 * 60_000 * 3))
    assert target_flops(SearchConfig(time_budget=1000.0, train_final=True), flops_per_second, 60_000) is None
    assert target_flops(config, None, 60_000) is None


def test_without_an_epochs_target_the_start_network_cost_is_the_target() -> None:
    config = SearchConfig(time_budget=1000.0, train_final=True, cost_exponent=-0.2, final_epochs_target=None)
    assert target_flops(config, 1e9, 60_000, start_flops=5_000_000) == 5_000_000.0
    # Every added FLOP is paid for: a child at 1.1x the start's cost scores 1.1^-0.2 of its reward.
    assert cost_factor(5_500_000, 5_000_000.0, -0.2) == pytest.approx(1.1**-0.2)
    assert target_flops(config, 1e9, 60_000) is None  # nothing to derive it from
    with pytest.raises(ValueError, match="final_epochs_target"):
        SearchConfig(final_epochs_target=0)


def test_the_time_target_is_the_seconds_per_image_that_fill_the_final_share() -> None:
    config = SearchConfig(
        time_budget=2400.0,
        train_final=True,
        final_share=0.5,
        cost_exponent=-0.1,
        final_epochs_target=20,
        cost_measure="time",
    )
    # 1200 s of final training for 20 epochs of 60k images: 1 ms per image (1000 images/s).
    assert target_seconds_per_image(config, 60_000) == pytest.approx(1e-3)
    assert target_seconds_per_image(SearchConfig(time_budget=2400.0, train_final=True), 60_000) is None  # cost off
    without_final = SearchConfig(time_budget=2400.0, cost_exponent=-0.1, cost_measure="time", final_epochs_target=20)
    assert target_seconds_per_image(without_final, 60_000) is None
    with pytest.raises(ValueError, match="final_epochs_target"):
        SearchConfig(cost_exponent=-0.1, cost_measure="time", final_epochs_target=None)
    with pytest.raises(ValueError, match="cost_measure"):
        SearchConfig(cost_measure="watts")


def test_a_child_trains_its_epochs_on_its_subset_of_the_training_images() -> None:
    child = TrainConfig(epochs=2, train_subset=30_000)
    assert child_training_images(SearchConfig(child_training=child), 55_000) == 60_000
    assert child_training_images(SearchConfig(child_training=child), 10_000) == 20_000  # a subset larger than the set
    assert child_training_images(SearchConfig(child_training=TrainConfig(epochs=1)), 55_000) == 55_000
