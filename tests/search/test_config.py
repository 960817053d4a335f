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
