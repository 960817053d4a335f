"""Strategies: deterministic proposals, the controller's decisions as actions, hill climbing's parent."""

from __future__ import annotations

import torch

from eas.search.actions import apply_to_spec
from eas.search.store import OK, Trial
from eas.search.strategies import Network, SearchContext, make_strategy
from eas.search.strategies.reinforce_search import decisions_to_actions
from eas.spec import NetSpec
from tests.search.conftest import toy_config

SPEC = NetSpec.parse("conv-4-3 pool conv-8-3 gap", (1, 12, 12), 4)
START = Network(SPEC, {}, None, 0.5)


def context(config, best: Network = START) -> SearchContext:
    return SearchContext(config, START, lambda: best)


def test_proposals_depend_only_on_seed_and_episode() -> None:
    for name in ("rl", "random", "hillclimb"):
        config = toy_config("npz:unused", strategy=name)
        first = make_strategy(config).propose(3, context(config))
        second = make_strategy(config).propose(3, context(config))
        assert [p.actions for p in first] == [p.actions for p in second]
        other = make_strategy(config).propose(4, context(config))
        assert len(first) == config.networks_per_episode
        assert [p.actions for p in first] != [p.actions for p in other]


def test_rl_decisions_become_the_same_architecture_as_the_controller_sees() -> None:
    config = toy_config("npz:unused", strategy="rl", wider_actions=2, deeper_actions=3)
    strategy = make_strategy(config)
    generator = torch.Generator().manual_seed(0)
    for _ in range(30):
        episode = strategy.controller.sample_episode(SPEC, 2, 3, generator)  # type: ignore[attr-defined]
        actions = decisions_to_actions(SPEC, list(episode.decisions), config.action_space)
        assert apply_to_spec(SPEC, actions) == episode.final_spec


def test_rl_update_changes_the_controller_and_its_state_round_trips() -> None:
    config = toy_config("npz:unused", strategy="rl")
    strategy = make_strategy(config)
    proposals = strategy.propose(0, context(config))
    trials = [
        Trial(0, slot, "x", "{}", [], status=OK, decisions=proposal.decisions, validation_accuracy=0.5 + 0.1 * slot)
        for slot, proposal in enumerate(proposals)
    ]
    before = {k: v.clone() for k, v in strategy.state_dict()["trainer"]["controller"].items()}
    stats = strategy.observe(0, trials, [0.5, 1.0, 2.0])
    assert set(stats) == {"baseline", "loss", "entropy"}
    after = strategy.state_dict()
    assert any(not torch.equal(before[k], v) for k, v in after["trainer"]["controller"].items())
    restored = make_strategy(config)
    restored.load_state_dict(after)
    assert [p.actions for p in restored.propose(1, context(config))] == [
        p.actions for p in strategy.propose(1, context(config))
    ]


def test_hillclimb_grows_the_best_network() -> None:
    config = toy_config("npz:unused", strategy="hillclimb")
    best = Network(NetSpec.parse("conv-8-3 pool conv-8-3 gap", (1, 12, 12), 4), {}, 7, 0.9)
    proposals = make_strategy(config).propose(0, context(config, best))
    assert all(p.parent is best for p in proposals)
