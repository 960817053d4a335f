"""`--set key=value` overrides: parsing, nested keys, type checks and the messages of a bad key or value."""

from __future__ import annotations

import pytest

from eas.search.config import SearchConfig
from eas.search.overrides import apply_overrides, flatten, parse_assignment, parse_value
from eas.search.presets import preset
from eas.train import TrainConfig


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", 2),
        ("0.5", 0.5),
        ("-1e-3", -0.001),
        ("true", True),
        ("false", False),
        ("null", None),
        ("[16, 32]", [16, 32]),
        ('{"epochs": 3}', {"epochs": 3}),
        ("rl", "rl"),
        ("npz:/tmp/a b.npz", "npz:/tmp/a b.npz"),
        ("", ""),
    ],
)
def test_values_are_json_when_they_parse_else_strings(text: str, expected: object) -> None:
    value = parse_value(text)
    assert value == expected
    assert type(value) is type(expected)  # 2 stays an int, true a bool


def test_an_assignment_splits_at_the_first_equals_sign() -> None:
    assert parse_assignment("dataset=npz:/data/x=1.npz") == ("dataset", "npz:/data/x=1.npz")
    assert parse_assignment(" seed =3") == ("seed", "3")
    assert parse_assignment("start=") == ("start", "")
    for bad in ("seed", "=3", ""):
        with pytest.raises(ValueError, match="KEY=VALUE"):
            parse_assignment(bad)


def test_nested_fields_are_set_with_dots_and_the_rest_is_kept() -> None:
    original = preset("smoke")
    config = apply_overrides(
        original, ["child_training.epochs=2", "action_space.max_params=1000000", "controller.learning_rate=0.001"]
    )
    assert config.child_training.epochs == 2
    assert config.action_space.max_params == 1_000_000
    assert config.controller.learning_rate == 0.001
    # Only those three differ; the other fields of the same nested configs are the preset's.
    assert config.differences(original) == ["child_training", "action_space", "controller"]
    assert config.child_training.learning_rate == original.child_training.learning_rate
    assert config.action_space.filter_widths == original.action_space.filter_widths


def test_top_level_fields_lists_and_null() -> None:
    config = apply_overrides(
        preset("paper-cifar10"),
        ["episodes=3", "max_networks=null", "strategy=random", "action_space.filter_widths=[8, 16]", "seed=7"],
    )
    assert (config.episodes, config.max_networks, config.strategy, config.seed) == (3, None, "random", 7)
    assert config.action_space.filter_widths == (8, 16)
    assert config.train_final is True
    assert apply_overrides(config, ["train_final=false"]).train_final is False


def test_a_later_assignment_wins_and_none_leaves_the_config_as_it_is() -> None:
    config = preset("smoke")
    assert apply_overrides(config, ["seed=1", "seed=2"]).seed == 2
    assert apply_overrides(config, []) is config


def test_an_int_for_a_float_field_becomes_a_float() -> None:
    config = apply_overrides(preset("smoke"), ["controller.learning_rate=1"])
    assert config.controller.learning_rate == 1.0 and isinstance(config.controller.learning_rate, float)


def test_text_fields_keep_text_that_looks_like_json() -> None:
    config = apply_overrides(preset("smoke"), ["data_root=2024", "dataset=npz:toy.npz"])
    assert config.data_root == "2024" and config.dataset == "npz:toy.npz"


def test_an_unknown_key_names_it_and_the_fields_of_its_level() -> None:
    with pytest.raises(ValueError) as raised:
        apply_overrides(preset("smoke"), ["epoch=3"])
    message = str(raised.value)
    assert "epoch" in message and "SearchConfig fields" in message
    assert "episodes" in message and "child_training" in message

    with pytest.raises(ValueError) as raised:
        apply_overrides(preset("smoke"), ["child_training.epoch=3"])
    message = str(raised.value)
    assert "child_training.epoch" in message and "fields of child_training" in message
    assert "epochs" in message and "learning_rate" in message
    # The nested level's fields, not the top level's.
    assert "networks_per_episode" not in message


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        ("child_training.epochs=two", "expected int, got 'two'"),
        ("child_training.epochs=2.5", "expected int, got '2.5'"),
        ("episodes=many", "expected int or null, got 'many'"),
        ("episodes=true", "expected int or null, got 'true'"),  # a bool is not a count
        ("train_final=yes", "expected true or false, got 'yes'"),
        ('action_space.filter_widths=[8, "x"]', "expected list of int"),
        ("action_space.filter_widths=8", "expected list of int"),
        ("controller.learning_rate=fast", "expected float, got 'fast'"),
        ("stage_training=5", "expected TrainConfig object (JSON) or null, got '5'"),
    ],
)
def test_a_value_of_the_wrong_type_names_the_key_the_type_and_what_was_given(assignment: str, expected: str) -> None:
    key = assignment.partition("=")[0]
    with pytest.raises(ValueError) as raised:
        apply_overrides(preset("smoke"), [assignment])
    assert f"--set {key}:" in str(raised.value)
    assert expected in str(raised.value)


def test_values_the_config_refuses_are_errors_that_name_the_assignment() -> None:
    with pytest.raises(ValueError, match="--set strategy=evolution: strategy must be one of"):
        apply_overrides(preset("smoke"), ["strategy=evolution"])
    with pytest.raises(ValueError, match="epochs must be >= 0"):
        apply_overrides(preset("smoke"), ["child_training.epochs=-1"])


def test_a_nested_config_is_set_whole_from_an_object_and_cleared_with_null() -> None:
    smoke = preset("smoke")
    assert smoke.stage_training is None
    # Fields of an unset nested config cannot be reached before the config itself is given.
    with pytest.raises(ValueError, match="stage_training is null; set it whole first"):
        apply_overrides(smoke, ["stage_training.epochs=5"])
    staged = apply_overrides(smoke, ['stage_training={"epochs": 5}'])
    assert staged.stage_training == TrainConfig(epochs=5)
    # An object updates the fields it names and keeps the others.
    faster = apply_overrides(smoke, ['child_training={"learning_rate": 0.01}'])
    assert faster.child_training.learning_rate == 0.01
    assert faster.child_training.train_subset == smoke.child_training.train_subset
    assert apply_overrides(preset("paper-cifar10"), ["stage_training=null"]).stage_training is None
    with pytest.raises(ValueError, match="expected TrainConfig object"):
        apply_overrides(smoke, ['child_training={"epoch": 5}'])


def test_a_field_that_is_not_a_config_has_no_fields() -> None:
    with pytest.raises(ValueError, match=r"--set seed.value: seed holds int, not a config with fields"):
        apply_overrides(preset("smoke"), ["seed.value=1"])


def test_flatten_dots_nested_keys() -> None:
    assert flatten({"a": 1, "b": {"c": [1, 2], "d": {"e": None}}}) == {"a": 1, "b.c": [1, 2], "b.d.e": None}
    flat = flatten(SearchConfig().to_dict())
    assert flat["child_training.epochs"] == 20 and flat["controller.max_positions"] == 8
    assert "child_training" not in flat
