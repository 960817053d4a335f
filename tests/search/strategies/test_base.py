"""The strategy interface: proposals depend only on (seed, episode, state); stateless defaults."""

from __future__ import annotations

import pytest

from eas.search.seeds import episode_seed
from eas.search.strategies import STRATEGY_CLASSES, make_strategy
from tests.search.conftest import toy_config
from tests.search.strategies.helpers import context


@pytest.mark.parametrize("name", sorted(STRATEGY_CLASSES))
def test_proposals_depend_only_on_seed_and_episode(name: str) -> None:
    config = toy_config("npz:unused", strategy=name)
    first = make_strategy(config).propose(3, context(config))
    second = make_strategy(config).propose(3, context(config))
    assert [p.edits for p in first] == [p.edits for p in second]
    other = make_strategy(config).propose(4, context(config))
    assert len(first) == config.networks_per_episode
    assert [p.edits for p in first] != [p.edits for p in other]


def test_episode_seed_follows_the_one_formula_and_stateless_strategies_have_no_state() -> None:
    config = toy_config("npz:unused", strategy="random", seed=5)
    strategy = make_strategy(config)
    assert strategy.episode_seed(7) == episode_seed(5, 7)
    assert strategy.state_dict() == {} and strategy.observe(0, [], []) == {}
    strategy.load_state_dict({})
    assert strategy.name == "random"
