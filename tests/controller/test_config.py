"""Tests of `ControllerConfig`: paper defaults, validation and the dict round trip."""

import json

import pytest

from eas.controller import ControllerConfig


def test_defaults_follow_the_paper() -> None:
    config = ControllerConfig()
    assert (config.embedding_size, config.encoder_hidden, config.deeper_hidden) == (16, 50, 100)
    assert (config.max_blocks, config.max_positions) == (8, 8)
    assert config.entropy_weight == 1e-5
    assert config.learning_rate == 2e-3
    assert config.baseline_decay == 0.95


def test_dict_round_trip_through_json() -> None:
    config = ControllerConfig(seed=7, learning_rate=1e-2, max_blocks=5)
    assert ControllerConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"embedding_size": 0}, "embedding_size"),
        ({"deeper_hidden": 64}, "deeper_hidden"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"baseline_decay": 1.0}, "baseline_decay"),
        ({"entropy_weight": -1.0}, "entropy_weight"),
    ],
)
def test_invalid_values_name_the_field(fields: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ControllerConfig(**fields)


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown fields"):
        ControllerConfig.from_dict({"hidden": 3})
