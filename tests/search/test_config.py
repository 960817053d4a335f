"""SearchConfig validation, JSON round trip, resume comparison; the presets."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from eas.search import PRESETS, SearchConfig, preset


def test_round_trip_through_json_keeps_every_field() -> None:
    for config in PRESETS.values():
        assert SearchConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


def test_validation_errors_name_the_field() -> None:
    with pytest.raises(ValueError, match="strategy"):
        SearchConfig(strategy="evolution")
    with pytest.raises(ValueError, match="networks_per_episode"):
        SearchConfig(networks_per_episode=0)
    with pytest.raises(ValueError, match="time_budget"):
        SearchConfig(time_budget=-1.0)
    with pytest.raises(ValueError, match="unknown SearchConfig fields"):
        SearchConfig.from_dict({"strategy": "rl", "colour": "red"})


def test_differences_ignore_budgets() -> None:
    config = SearchConfig()
    assert config.differences(replace(config, episodes=99, time_budget=5.0, max_networks=3)) == []
    assert config.differences(replace(config, seed=1, weight_reuse=False)) == ["weight_reuse", "seed"]
    resumed = config.with_budgets_of(replace(config, episodes=7, seed=3))
    assert resumed.episodes == 7 and resumed.seed == config.seed


def test_preset_lookup() -> None:
    assert preset("fashion-cpu").dataset == "fashion-mnist"
    assert preset("fashion-cpu", strategy="random").strategy == "random"
    with pytest.raises(ValueError, match="unknown preset"):
        preset("imagenet-tpu")


def test_one_schedule_joins_the_start_and_final_trainings_into_one_cosine() -> None:
    config = preset("fashion-cpu", time_budget=1000.0, start_share=0.25, final_share=0.6, one_schedule=True)
    start = config.start_recipe()
    assert start.time_budget == pytest.approx(250.0)
    assert start.schedule_window == (0.0, 0.25)
    assert start.learning_rate == config.final_training.learning_rate
    final = config.final_recipe(590.0)
    assert final.time_budget == pytest.approx(590.0)
    assert final.schedule_window == pytest.approx((0.4, 1.0))
    # Without it, each phase runs a whole cosine of its own.
    separate = replace(config, one_schedule=False)
    assert separate.start_recipe().schedule_window == separate.final_recipe(None).schedule_window == (0.0, 1.0)
    assert preset("smoke").start_recipe() == preset("smoke").start_training


def test_taking_away_the_budget_drops_the_settings_that_need_it_unless_they_are_named() -> None:
    config = preset("fashion-cpu")
    assert config.start_share is not None and config.one_schedule
    no_budget = config.with_overrides(time_budget=None)
    assert no_budget.start_share is None and not no_budget.one_schedule
    assert no_budget.start_recipe() == config.start_training
    search_only = config.with_overrides(train_final=False)
    assert search_only.start_share == config.start_share and not search_only.one_schedule
    with pytest.raises(ValueError, match="start_share"):
        config.with_overrides(time_budget=None, start_share=0.2)
    with pytest.raises(ValueError, match="train_final"):
        config.with_overrides(train_final=False, one_schedule=True)


def test_one_schedule_needs_a_start_share_and_a_final_training() -> None:
    with pytest.raises(ValueError, match="start_share"):
        preset("smoke", one_schedule=True)
    with pytest.raises(ValueError, match="train_final"):
        preset("fashion-cpu", time_budget=100.0, start_share=0.2, train_final=False, one_schedule=True)
