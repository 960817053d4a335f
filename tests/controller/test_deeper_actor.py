"""Tests of `DeeperActor`: masked block/position/kernel choices, fc blocks, no-op and size limits."""

import pytest
import torch

from eas.controller import DeeperDecision, SpecEncoder
from eas.controller.deeper_actor import DeeperActor
from eas.controller.encoder import EncodedSpec
from eas.spec import DeepenTarget


def _setup() -> tuple[DeeperActor, EncodedSpec]:
    torch.manual_seed(0)
    encoder = SpecEncoder(vocabulary_size=5, embedding_size=16, hidden_size=50)
    return DeeperActor(16, 100, max_blocks=8, max_positions=8), encoder(torch.tensor([0, 1, 2, 3, 4]))


TARGETS = (
    DeepenTarget(block=0, position=0, after=0, kernels=(1, 3)),
    DeepenTarget(block=2, position=0, after=3, kernels=(3,)),
    DeepenTarget(block=2, position=1, after=4, kernels=(3,)),
    DeepenTarget(block=3, position=0, after=6, kernels=()),
)


def test_sampled_decisions_are_targets_with_allowed_kernels() -> None:
    actor, encoded = _setup()
    generator = torch.Generator().manual_seed(0)
    seen = set()
    for _ in range(300):
        decision = actor.decide(encoded, TARGETS, generator)
        target = next(t for t in TARGETS if (t.block, t.position) == (decision.block, decision.position))
        assert decision.after == target.after
        assert decision.kernel_size in target.kernels if target.kernels else decision.kernel_size is None
        assert decision.log_prob is not None and torch.isfinite(decision.log_prob)
        seen.add((decision.block, decision.position, decision.kernel_size))
        rescored = actor.decide(encoded, TARGETS, generator, forced=decision)
        assert rescored == decision
        assert rescored.log_prob is not None and rescored.entropy is not None
        torch.testing.assert_close(rescored.log_prob, decision.log_prob)
        torch.testing.assert_close(rescored.entropy, decision.entropy)
    assert seen == {(0, 0, 1), (0, 0, 3), (2, 0, 3), (2, 1, 3), (3, 0, None)}


def test_block_probabilities_only_cover_blocks_with_targets() -> None:
    actor, encoded = _setup()
    probabilities = actor.block_log_probs(encoded, TARGETS).exp()
    assert set(torch.nonzero(probabilities).flatten().tolist()) == {0, 2, 3}
    torch.testing.assert_close(probabilities.sum(), torch.tensor(1.0))


def test_no_target_is_a_noop_with_zero_log_prob() -> None:
    actor, encoded = _setup()
    decision = actor.decide(encoded, (), torch.Generator())
    assert decision.is_noop
    assert decision.log_prob is not None and decision.log_prob.item() == 0.0
    with pytest.raises(ValueError, match="no deepen target"):
        actor.decide(encoded, (), torch.Generator(), forced=DeeperDecision(0, 0, 0, 3))


def test_recorded_illegal_choices_are_rejected() -> None:
    actor, encoded = _setup()
    with pytest.raises(ValueError, match="masked out"):
        actor.decide(encoded, TARGETS, torch.Generator(), forced=DeeperDecision(1, 0, 2, 3))
    with pytest.raises(ValueError, match="masked out"):
        actor.decide(encoded, TARGETS, torch.Generator(), forced=DeeperDecision(2, 0, 3, 5))
    with pytest.raises(ValueError, match="fc block"):
        actor.decide(encoded, TARGETS, torch.Generator(), forced=DeeperDecision(3, 0, 6, 3))


def test_targets_beyond_max_blocks_or_positions_name_the_setting() -> None:
    actor, encoded = _setup()
    with pytest.raises(ValueError, match="max_blocks"):
        actor.decide(encoded, (DeepenTarget(8, 0, 0, (3,)),), torch.Generator())
    with pytest.raises(ValueError, match="max_positions"):
        actor.decide(encoded, (DeepenTarget(0, 8, 0, (3,)),), torch.Generator())
