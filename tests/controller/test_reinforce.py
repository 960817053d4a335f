"""Tests of REINFORCE: baseline arithmetic, the loss of an update, checkpoint round trip and
learning two toy rewards (one on the deeper actor's block, one on the wider actor)."""

import io
import math

import pytest
import torch

from eas.controller import Controller, ControllerConfig, MovingAverageBaseline, ReinforceTrainer
from eas.spec import ActionSpace, NetSpec

SPACE = ActionSpace.cpu()
THREE_BLOCKS = NetSpec.parse("conv-16-3 pool conv-16-3 pool conv-16-3 gap")
TWO_LAYERS = NetSpec.parse("conv-16-3 pool conv-16-3 gap")


def test_baseline_starts_at_the_batch_mean_then_decays_per_reward() -> None:
    baseline = MovingAverageBaseline(decay=0.9)
    assert baseline.current([1.0, 3.0]) == 2.0
    assert baseline.update([1.0, 3.0]) == 2.0
    assert baseline.current([100.0]) == 2.0
    expected = 0.9 * (0.9 * 2.0 + 0.1 * 4.0) + 0.1 * 10.0
    assert baseline.update([4.0, 10.0]) == pytest.approx(expected)
    restored = MovingAverageBaseline()
    restored.load_state_dict(baseline.state_dict())
    assert (restored.decay, restored.value) == (0.9, baseline.value)


def _batch(controller: Controller, spec: NetSpec, size: int, num_wider: int = 1, num_deeper: int = 1) -> list:
    return [controller.sample_episode(spec, num_wider, num_deeper) for _ in range(size)]


def test_update_loss_uses_the_baseline_from_before_the_batch() -> None:
    config = ControllerConfig(seed=3, entropy_weight=0.1)
    controller = Controller(config, SPACE)
    trainer = ReinforceTrainer(controller)
    trainer.update_episodes(_batch(controller, THREE_BLOCKS, 3), [1.0, 2.0, 6.0])
    assert trainer.baseline.value == pytest.approx(3.0)

    episodes = _batch(controller, THREE_BLOCKS, 2)
    rewards = [5.0, 1.0]
    with torch.no_grad():
        scores = [controller.score_episode(e.start_spec, e.decisions) for e in episodes]
    advantages = [value - 3.0 for value in rewards]
    expected_loss = -sum(lp.item() * a for (lp, _), a in zip(scores, advantages, strict=True)) / 2
    expected_loss -= 0.1 * sum(entropy.item() for _, entropy in scores) / 2
    stats = trainer.update_episodes(episodes, rewards)
    assert stats.loss == pytest.approx(expected_loss, rel=1e-5)
    assert stats.baseline == 3.0 and stats.mean_advantage == pytest.approx(0.0)
    assert stats.mean_reward == 3.0
    assert stats.next_baseline == pytest.approx(0.95 * (0.95 * 3.0 + 0.05 * 5.0) + 0.05 * 1.0)
    assert stats.mean_entropy == pytest.approx(sum(entropy.item() for _, entropy in scores) / 2, rel=1e-5)
    assert trainer.updates == 2


def test_update_takes_one_start_spec_per_episode() -> None:
    controller = Controller(ControllerConfig(seed=3), SPACE)
    trainer = ReinforceTrainer(controller)
    first = controller.sample_episode(THREE_BLOCKS, 1, 1)
    second = controller.sample_episode(TWO_LAYERS, 1, 1)
    stats = trainer.update([THREE_BLOCKS, TWO_LAYERS], [first.decisions, second.decisions], [1.0, 2.0])
    assert math.isfinite(stats.loss)
    with pytest.raises(ValueError, match="one reward per episode"):
        trainer.update(THREE_BLOCKS, [first.decisions], [1.0, 2.0])
    with pytest.raises(ValueError, match="finite"):
        trainer.update(THREE_BLOCKS, [first.decisions], [float("inf")])


def test_checkpoint_round_trip_continues_identically() -> None:
    config = ControllerConfig(seed=11)
    trainer = ReinforceTrainer(Controller(config, SPACE))
    for _ in range(3):
        episodes = _batch(trainer.controller, THREE_BLOCKS, 3)
        trainer.update_episodes(episodes, [float(len(e.final_spec.layers)) for e in episodes])

    buffer = io.BytesIO()
    torch.save(trainer.state_dict(), buffer)
    buffer.seek(0)
    resumed = ReinforceTrainer(Controller(ControllerConfig(seed=99), SPACE), config)
    resumed.load_state_dict(torch.load(buffer, weights_only=True))
    assert resumed.updates == 3 and resumed.baseline.value == trainer.baseline.value

    for _ in range(2):
        original_batch = _batch(trainer.controller, THREE_BLOCKS, 3)
        resumed_batch = _batch(resumed.controller, THREE_BLOCKS, 3)
        assert original_batch == resumed_batch
        rewards = [float(len(e.final_spec.layers)) for e in original_batch]
        assert trainer.update_episodes(original_batch, rewards) == resumed.update_episodes(resumed_batch, rewards)
    for a, b in zip(trainer.controller.parameters(), resumed.controller.parameters(), strict=True):
        torch.testing.assert_close(a, b, atol=0, rtol=0)


def test_checkpoint_for_another_action_space_is_refused() -> None:
    state = ReinforceTrainer(Controller(action_space=SPACE)).state_dict()
    other = ReinforceTrainer(Controller(action_space=ActionSpace.paper()))
    with pytest.raises(ValueError, match="action space"):
        other.load_state_dict(state)


def test_learns_to_deepen_block_one() -> None:
    controller = Controller(ControllerConfig(seed=0), SPACE)
    trainer = ReinforceTrainer(controller)
    before = controller.block_probabilities(THREE_BLOCKS)[1].item()
    for _ in range(100):
        episodes = _batch(controller, THREE_BLOCKS, 4, num_wider=0, num_deeper=1)
        trainer.update_episodes(
            episodes, [math.tan((0.9 if e.decisions[0].block == 1 else 0.5) * math.pi / 2) for e in episodes]
        )
    after = controller.block_probabilities(THREE_BLOCKS)[1].item()
    print(f"P(deepen block 1): {before:.3f} -> {after:.3f}")
    assert 0.2 < before < 0.5
    assert after > 0.8


def test_learns_to_widen_layer_zero() -> None:
    controller = Controller(ControllerConfig(seed=0), SPACE)
    trainer = ReinforceTrainer(controller)
    before = controller.wider_probabilities(TWO_LAYERS)[0].item()
    for _ in range(100):
        episodes = _batch(controller, TWO_LAYERS, 4, num_wider=1, num_deeper=0)
        trainer.update_episodes(
            episodes, [math.tan((0.9 if 0 in e.decisions[0].layers else 0.5) * math.pi / 2) for e in episodes]
        )
    after = controller.wider_probabilities(TWO_LAYERS)[0].item()
    print(f"P(widen layer 0): {before:.3f} -> {after:.3f}")
    assert 0.3 < before < 0.7
    assert after > 0.9
