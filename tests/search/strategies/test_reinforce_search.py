"""`rl`: the controller's decisions become edits, and an update changes it and round-trips."""

from __future__ import annotations

import torch

from eas.evaluation import OK
from eas.search.strategies import make_strategy
from eas.search.trial import Trial
from eas.spec import edited_spec
from tests.search.conftest import toy_config
from tests.search.strategies.helpers import START, context


def test_rl_proposals_are_the_architectures_the_controller_sampled() -> None:
    config = toy_config("npz:unused", strategy="rl", wider_actions=2, deeper_actions=3)
    strategy = make_strategy(config)
    for proposal in strategy.propose(0, context(config)):
        assert proposal.parent is START and proposal.decisions
        assert len(proposal.decisions) == 5
        edited_spec(START.spec, proposal.edits)  # legal


def test_rl_update_changes_the_controller_and_its_state_round_trips() -> None:
    config = toy_config("npz:unused", strategy="rl")
    strategy = make_strategy(config)
    proposals = strategy.propose(0, context(config))
    trials = [
        Trial(0, slot, "x", "{}", status=OK, decisions=proposal.decisions, validation_accuracy=0.5 + 0.1 * slot)
        for slot, proposal in enumerate(proposals)
    ]
    before = {k: v.clone() for k, v in strategy.state_dict()["trainer"]["controller"].items()}
    stats = strategy.observe(0, trials, [0.5, 1.0, 2.0])
    assert set(stats) == {"baseline", "loss", "entropy"}
    after = strategy.state_dict()
    assert any(not torch.equal(before[k], v) for k, v in after["trainer"]["controller"].items())
    restored = make_strategy(config)
    restored.load_state_dict(after)
    assert [p.edits for p in restored.propose(1, context(config))] == [
        p.edits for p in strategy.propose(1, context(config))
    ]
