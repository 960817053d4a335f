"""Tests of `eas.train.config`: `TrainConfig` validation and dict round trip, `TrainResult` fields."""

from __future__ import annotations

import json

import pytest

from eas.train import TrainConfig, TrainResult


def test_defaults_are_the_paper_recipe() -> None:
    config = TrainConfig()
    assert (config.epochs, config.learning_rate, config.momentum) == (20, 0.02, 0.9)
    assert (config.weight_decay, config.batch_size, config.schedule) == (1e-4, 64, "epoch")
    assert (config.warmup_steps, config.train_subset, config.seed, config.device) == (0, None, 0, "cpu")


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"epochs": -1}, r"epochs must be >= 0, got -1"),
        ({"learning_rate": 0.0}, r"learning_rate must be positive, got 0.0"),
        ({"learning_rate": -0.1}, r"learning_rate must be positive, got -0.1"),
        ({"batch_size": 0}, r"batch_size and eval_batch_size must be >= 1"),
        ({"eval_batch_size": 0}, r"batch_size and eval_batch_size must be >= 1"),
        ({"schedule": "linear"}, r"schedule must be one of \('epoch', 'step'\), got 'linear'"),
        ({"warmup_steps": -3}, r"warmup_steps must be >= 0, got -3"),
        ({"train_subset": 0}, r"train_subset must be a positive number of images or None, got 0"),
        ({"train_subset": -5}, r"train_subset must be .*got -5"),
    ],
)
def test_validation_errors_name_the_field(fields: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TrainConfig(**fields)


def test_edge_values_are_accepted() -> None:
    config = TrainConfig(epochs=0, batch_size=1, eval_batch_size=1, train_subset=1, warmup_steps=0, schedule="step")
    assert (config.epochs, config.train_subset, config.schedule) == (0, 1, "step")


def test_to_dict_from_dict_round_trip() -> None:
    config = TrainConfig(
        epochs=3,
        learning_rate=0.1,
        momentum=0.5,
        weight_decay=0.0,
        batch_size=16,
        schedule="step",
        warmup_steps=7,
        augment=False,
        train_subset=123,
        seed=42,
        eval_batch_size=32,
        evaluate_each_epoch=True,
        channels_last=False,
    )
    data = config.to_dict()
    assert data["train_subset"] == 123 and data["schedule"] == "step" and data["seed"] == 42
    assert set(data) == set(TrainConfig.__dataclass_fields__)
    assert TrainConfig.from_dict(json.loads(json.dumps(data))) == config
    assert TrainConfig.from_dict({}) == TrainConfig()
    assert TrainConfig.from_dict({"epochs": 2}) == TrainConfig(epochs=2)


def test_from_dict_names_unknown_fields() -> None:
    with pytest.raises(ValueError, match=r"unknown TrainConfig fields \['bogus', 'lr'\]; known: \["):
        TrainConfig.from_dict({"epochs": 1, "lr": 0.1, "bogus": True})


def test_from_dict_validates_values() -> None:
    with pytest.raises(ValueError, match="schedule must be one of"):
        TrainConfig.from_dict({"schedule": "cosine"})


def test_config_is_frozen() -> None:
    with pytest.raises(AttributeError):
        TrainConfig().epochs = 3  # type: ignore[misc]


def test_train_result() -> None:
    result = TrainResult()
    assert (result.status, result.diverged, result.images_per_second) == ("ok", False, 0.0)
    result.images_seen, result.seconds = 300, 1.5
    assert result.images_per_second == pytest.approx(200.0)
    result.status = "diverged"
    assert result.diverged
    data = result.to_dict()
    assert data["images_per_second"] == pytest.approx(200.0)
    assert data["status"] == "diverged" and data["images_seen"] == 300
    assert json.loads(json.dumps(data)) == data
    # Lists are not shared between results.
    first, second = TrainResult(), TrainResult()
    first.train_loss.append(1.0)
    assert second.train_loss == []
