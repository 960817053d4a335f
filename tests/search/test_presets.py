"""The named search presets: lookup, overrides, and that each one is a valid, round-tripping config."""

from __future__ import annotations

import json
import re

import pytest

from eas.search.config import STRATEGIES, SearchConfig
from eas.search.presets import PRESETS, preset, preset_for_space
from eas.spec import DenseNetSpec, parse_spec


def test_the_documented_presets_exist() -> None:
    # The README and the test suite name these two; renaming one breaks them silently otherwise.
    assert {"fashion-cpu", "smoke"} <= set(PRESETS)


def test_unknown_name_lists_every_known_preset() -> None:
    with pytest.raises(ValueError) as raised:
        preset("imagenet-tpu")
    message = str(raised.value)
    assert "'imagenet-tpu'" in message
    for name in PRESETS:
        assert repr(name) in message
    # Sorted, so the message is the same on every run.
    assert str(sorted(PRESETS)) in message


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_is_a_valid_config_that_round_trips_through_json(name: str) -> None:
    config = preset(name)
    assert isinstance(config, SearchConfig)
    assert config.strategy in STRATEGIES
    # Through real JSON text, as config.json is written and read back on resume.
    restored = SearchConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert restored == config
    assert restored.differences(config) == []
    # At least one budget, or the search would never stop by itself.
    assert any(value is not None for value in (config.episodes, config.max_networks, config.time_budget))


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_start_network_parses(name: str) -> None:
    spec = parse_spec(preset(name).start)
    if isinstance(spec, DenseNetSpec):
        assert name.endswith("-densenet") and preset(name).action_space.has_densenet
        assert parse_spec(spec.to_string()) == spec
    else:
        assert spec.to_string() == re.sub(r"\s+", " ", preset(name).start.strip())


def test_each_space_has_its_preset_twin() -> None:
    assert preset_for_space("fashion-cpu", "densenet") == "fashion-cpu-densenet"
    assert preset_for_space("fashion-cpu-densenet", "plain") == "fashion-cpu"
    assert preset_for_space("smoke", None) == "smoke"
    with pytest.raises(ValueError, match="unknown search space"):
        preset_for_space("smoke", "resnet")
    twin = preset("fashion-cpu-densenet")
    # Only the space differs: same budget, recipes and final training as the plain job.
    assert twin.time_budget == preset("fashion-cpu").time_budget
    assert twin.final_training == preset("fashion-cpu").final_training


def test_preset_without_overrides_is_the_stored_config() -> None:
    assert preset("smoke") == PRESETS["smoke"]
    assert preset("fashion-cpu") == PRESETS["fashion-cpu"]


def test_overrides_replace_fields_and_leave_the_rest_and_the_table_alone() -> None:
    original = PRESETS["smoke"]
    config = preset("smoke", dataset="npz:/tmp/toy.npz", strategy="random", seed=5, episodes=1)
    assert (config.dataset, config.strategy, config.seed, config.episodes) == ("npz:/tmp/toy.npz", "random", 5, 1)
    assert config.start == original.start
    assert config.child_training == original.child_training
    assert config.differences(original) == ["dataset", "strategy", "seed"]
    # The table itself is untouched (frozen dataclasses, replaced not mutated).
    assert PRESETS["smoke"] == original
    assert PRESETS["smoke"].strategy == "rl" and PRESETS["smoke"].seed == 0


def test_overrides_are_validated() -> None:
    with pytest.raises(ValueError, match="strategy must be one of"):
        preset("smoke", strategy="evolution")
    with pytest.raises(ValueError, match="networks_per_episode"):
        preset("fashion-cpu", networks_per_episode=0)
    with pytest.raises(TypeError, match="colour"):
        preset("smoke", colour="red")


def test_smoke_is_small_and_fashion_cpu_is_the_fifteen_minute_job() -> None:
    smoke = preset("smoke")
    # Tests rely on smoke finishing in seconds: a fixed episode count and small training subsets.
    assert smoke.episodes == 2 and smoke.time_budget is None
    assert smoke.start_training.train_subset is not None and smoke.start_training.train_subset <= 1024
    assert smoke.child_training.train_subset is not None and smoke.child_training.train_subset <= 1024
    fashion = preset("fashion-cpu")
    assert fashion.dataset == "fashion-mnist"
    assert fashion.time_budget == 900.0 and fashion.episodes is None and fashion.train_final
    # Children ranked usefully only on common draws (bench/rank_correlation.py, presets.py).
    assert fashion.common_child_data and preset("fashion-cpu-densenet").common_child_data
    # FLOPs mispredicted the final training's speed by 1.6-2x (bench/cost_prediction.py, presets.py).
    assert fashion.cost_measure == "time" and fashion.cost_exponent < 0 and fashion.final_epochs_target is not None


PAPER_PRESETS = ("paper-cifar10", "paper-svhn", "paper-cifar10-densenet")


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_preset_builds_its_strategy_and_controller(name: str) -> None:
    from eas.search.strategies import make_strategy

    # For `rl` this builds the controller, which refuses an action space deeper than max_positions covers.
    config = preset(name)
    assert make_strategy(config).name == config.strategy
    assert config.controller.max_positions >= config.action_space.max_layers_per_block - 1


def test_the_paper_densenet_space_needs_more_controller_positions_than_the_default() -> None:
    from eas.controller import Controller, ControllerConfig
    from eas.spec import ActionSpace

    # Why paper-cifar10-densenet carries its own ControllerConfig: the default one cannot point at 32 places.
    with pytest.raises(ValueError, match="max_positions"):
        Controller(ControllerConfig(), ActionSpace.densenet_paper())


def test_every_preset_has_a_one_line_description() -> None:
    from eas.search.presets import DESCRIPTIONS

    assert set(DESCRIPTIONS) == set(PRESETS)
    assert all(text and "\n" not in text for text in DESCRIPTIONS.values())


@pytest.mark.parametrize("name", PAPER_PRESETS)
def test_paper_presets_follow_the_papers_search_protocol(name: str) -> None:
    from eas.spec.action_space import PAPER_FILTERS, PAPER_UNITS

    config = preset(name)
    assert (config.networks_per_episode, config.wider_actions, config.deeper_actions) == (10, 4, 5)
    child = config.child_training
    assert (child.epochs, child.learning_rate, child.schedule) == (20, 0.02, "epoch")
    assert (child.momentum, child.batch_size, child.weight_decay, child.train_subset) == (0.9, 64, 1e-4, None)
    # Two stages: 300 networks, then the best trained longer starts 150 more, and the search stops there.
    assert config.restart_every is not None and config.restart_every * config.networks_per_episode == 300
    assert config.stage_training is not None and config.stage_training.epochs > child.epochs
    assert config.max_networks == 450 and config.episodes is not None
    assert config.episodes * config.networks_per_episode == 450 and config.episodes < 2 * config.restart_every
    assert config.validation_size is None  # the loader's 5,000 images on CIFAR-10 and SVHN
    assert config.time_budget is None and config.train_final and config.cost_exponent == 0.0
    assert config.final_training.learning_rate == 0.1 and config.final_training.schedule == "epoch"
    # The device stays a command-line choice.
    recipes = (config.start_training, child, config.final_training, config.stage_training)
    assert {recipe.device for recipe in recipes} == {"cpu"}
    if not name.endswith("-densenet"):
        assert config.action_space.filter_widths == PAPER_FILTERS and config.action_space.unit_widths == PAPER_UNITS
        assert config.action_space.max_weighted_layers >= 20  # the paper's best plain network has depth 20


def test_paper_final_training_and_augmentation_per_dataset() -> None:
    cifar, svhn, dense = (preset(name) for name in PAPER_PRESETS)
    assert (cifar.dataset, svhn.dataset, dense.dataset) == ("cifar10", "svhn", "cifar10")
    assert cifar.final_training.epochs == 300 and dense.final_training.epochs == 300
    assert svhn.final_training.epochs == 40
    assert cifar.child_training.augment and cifar.final_training.augment
    recipes = (svhn.start_training, svhn.child_training, svhn.final_training, svhn.stage_training)
    assert not any(recipe is not None and recipe.augment for recipe in recipes)
    # The plain start has the official code's five blocks: four conv blocks and the fc block.
    assert len(parse_spec(cifar.start).blocks()) == 5
    assert isinstance(parse_spec(dense.start), DenseNetSpec) and dense.action_space.has_densenet
    assert preset_for_space("paper-cifar10", "densenet") == "paper-cifar10-densenet"
    with pytest.raises(ValueError, match="no densenet variant"):
        preset_for_space("paper-svhn", "densenet")


def test_the_controller_preset_grows_every_child_from_one_start_in_the_cpu_space() -> None:
    # bench/rl_vs_random.py reads an episode's mean child accuracy as a measure of the policy: that needs
    # every child grown from the same start network (no restarts) and episodes, not time, as the bound.
    config = PRESETS["controller-cpu"]
    assert config.restart_every is None and config.time_budget is None and not config.train_final
    cpu = PRESETS["fashion-cpu"]
    assert config.networks_per_episode == 10  # the paper's
    assert (config.wider_actions, config.deeper_actions, config.action_space) == (
        cpu.wider_actions,
        cpu.deeper_actions,
        cpu.action_space,
    )
    assert config.episodes is not None and config.episodes * config.networks_per_episode >= 200
    assert config.common_child_data  # without it the scores were noise (presets.py)
    assert config.child_training.train_subset is not None and config.child_training.train_subset <= 5000


def test_the_cpu_start_grows_into_the_hand_designed_network_in_two_wider_actions() -> None:
    # presets.py chose CPU_START because two wider actions (one rung each) can give every layer the
    # width of the hand-designed network of the equal-budget benchmark: a child can become that network.
    hand = parse_spec("conv-32-3 conv-32-3 pool conv-64-3 conv-64-3 pool conv-128-3 conv-128-3 gap fc-128")
    config = PRESETS["fashion-cpu"]
    start = parse_spec(config.start)
    assert config.wider_actions >= 2
    space = config.action_space
    assert [layer.kind for layer in start.layers] == [layer.kind for layer in hand.layers]
    for layer, goal in zip(start.layers, hand.layers, strict=True):
        if layer.kind not in ("conv", "fc"):
            continue
        ladder = space.filter_widths if layer.kind == "conv" else space.unit_widths
        reachable = ladder[min(ladder.index(layer.width) + 2, len(ladder) - 1)]
        assert layer.kernel_size == goal.kernel_size and layer.width < goal.width <= reachable
