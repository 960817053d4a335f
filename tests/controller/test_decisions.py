"""Tests of recorded decisions: JSON round trips and replay that rejects illegal decisions."""

import json

import pytest
import torch

from eas.controller import (
    Controller,
    DeeperDecision,
    Episode,
    WiderDecision,
    apply_decision,
    decision_from_dict,
    replay_decisions,
)
from eas.spec import ActionSpace, NetSpec

SPACE = ActionSpace.cpu()
SPEC = NetSpec.parse("conv-16-3 pool conv-32-3 gap fc-64")


def test_decisions_round_trip_through_json() -> None:
    decisions = [
        WiderDecision((0, 2)),
        WiderDecision(()),
        DeeperDecision(0, 0, 0, 5),
        DeeperDecision(2, 0, 4, None),
        DeeperDecision(None, None, None, None),
    ]
    for decision in decisions:
        assert decision_from_dict(json.loads(json.dumps(decision.to_dict()))) == decision


def test_tensors_do_not_affect_equality() -> None:
    assert WiderDecision((1,), log_prob=torch.tensor(-1.0)) == WiderDecision((1,))


def test_episode_round_trip_keeps_layer_ids() -> None:
    controller = Controller(action_space=SPACE)
    episode = controller.sample_episode(SPEC, num_wider=2, num_deeper=3, generator=torch.Generator().manual_seed(5))
    restored = Episode.from_dict(json.loads(json.dumps(episode.to_dict())))
    assert restored == episode
    assert [layer.layer_id for layer in restored.final_spec.layers] == [
        layer.layer_id for layer in episode.final_spec.layers
    ]
    assert replay_decisions(restored.start_spec, restored.decisions, SPACE) == episode.final_spec


def test_apply_widens_every_chosen_layer_one_rung() -> None:
    widened = apply_decision(SPEC, WiderDecision((0, 2, 4)), SPACE)
    assert widened.to_string() == "conv-24-3 pool conv-48-3 gap fc-128"
    assert [layer.layer_id for layer in widened.layers] == [layer.layer_id for layer in SPEC.layers]


def test_apply_deeper_inserts_after_the_target() -> None:
    deeper = apply_decision(SPEC, DeeperDecision(1, 0, 2, 5), SPACE)
    assert deeper.to_string() == "conv-16-3 pool conv-32-3 conv-32-5 gap fc-64"
    fc_deeper = apply_decision(SPEC, DeeperDecision(2, 0, 4, None), SPACE)
    assert fc_deeper.to_string() == "conv-16-3 pool conv-32-3 gap fc-64 fc-64"


@pytest.mark.parametrize(
    "decision",
    [
        WiderDecision((1,)),  # a pool
        WiderDecision((0, 0)),  # repeated
        WiderDecision((9,)),  # out of range
        DeeperDecision(1, 0, 0, 3),  # `after` disagrees with the target
        DeeperDecision(1, 1, 3, 3),  # no such position
        DeeperDecision(1, 0, 2, None),  # conv block without a kernel
        DeeperDecision(2, 0, 4, 3),  # fc block with a kernel
        DeeperDecision(None, None, None, None),  # no-op although targets exist
    ],
)
def test_illegal_decisions_are_rejected(decision: WiderDecision | DeeperDecision) -> None:
    with pytest.raises(ValueError):
        apply_decision(SPEC, decision, SPACE)


def test_wider_respects_a_joint_parameter_budget() -> None:
    spec = NetSpec.parse("conv-16-3 conv-16-3 gap")
    budget = max(NetSpec.parse(text).num_params() for text in ("conv-24-3 conv-16-3 gap", "conv-16-3 conv-24-3 gap"))
    assert NetSpec.parse("conv-24-3 conv-24-3 gap").num_params() > budget
    space = ActionSpace(filter_widths=(16, 24, 32), max_params=budget)
    assert space.widen_mask(spec) == (True, True, False)  # each alone fits the budget
    result = apply_decision(spec, WiderDecision((0, 1)), space)
    assert result.to_string() == "conv-24-3 conv-16-3 gap"  # both together would not, so layer 1 is skipped
    assert result.num_params() <= budget


def test_unknown_action_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown"):
        decision_from_dict({"action": "shrink"})


def test_decisions_to_edits_reach_the_architecture_the_controller_sampled() -> None:
    from eas.controller import Controller, ControllerConfig, decisions_to_edits
    from eas.spec import ActionSpace, NetSpec, edited_spec

    spec = NetSpec.parse("conv-4-3 pool conv-8-3 gap fc-8", (1, 12, 12), 4)
    space = ActionSpace(filter_widths=(4, 8, 12, 16), unit_widths=(8, 16), max_layers_per_block=3)
    controller = Controller(ControllerConfig(), space)
    generator = torch.Generator().manual_seed(0)
    for _ in range(30):
        episode = controller.sample_episode(spec, 2, 3, generator)
        edits = decisions_to_edits(spec, list(episode.decisions), space)
        assert edited_spec(spec, edits) == episode.final_spec
