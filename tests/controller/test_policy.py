"""Tests of `Controller`: masks respected on varied networks, no NaN, re-scoring equals sampling,
and seeded determinism."""

import json

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eas.controller import Controller, ControllerConfig, DeeperDecision, Episode, WiderDecision, apply_decision
from eas.spec import ActionSpace, NetSpec

CPU_SPACE = ActionSpace.cpu()  # filters 16..128, units 32..256, 4 layers per block, 12 weighted
TINY_SPACE = ActionSpace(filter_widths=(16, 32), unit_widths=(32, 64), max_layers_per_block=3, max_weighted_layers=6)
CONTROLLERS = {id(space): Controller(ControllerConfig(seed=1), space) for space in (CPU_SPACE, TINY_SPACE)}

EDGE_SPECS = [
    "conv-16-3 pool conv-32-3 gap fc-64",
    "conv-128-3 pool conv-128-5 gap fc-256",  # every layer at the top width
    "conv-16-3 conv-16-3 conv-16-3 conv-16-3 pool conv-16-3 gap",  # block 0 full
    "conv-16-3 conv-16-3 conv-16-3 conv-16-3 gap fc-32",  # only the fc block can deepen
    "conv-128-3 conv-128-3 conv-128-3 conv-128-3 gap",  # nothing to widen, no deepen target
    "conv-16-3 pool pool avgpool gap",  # empty blocks
    "conv-20-3 pool conv-200-1 gap fc-100",  # widths off the ladder
]


def check_episode(controller: Controller, episode: Episode) -> None:
    """Every decision is legal on the network it was taken on, and its terms are finite."""
    space = controller.action_space
    spec = episode.start_spec
    for decision in episode.decisions:
        assert decision.log_prob is not None and decision.entropy is not None
        assert torch.isfinite(decision.log_prob) and torch.isfinite(decision.entropy)
        assert decision.log_prob.item() <= 1e-6 and decision.entropy.item() >= -1e-6
        if isinstance(decision, WiderDecision):
            mask = space.widen_mask(spec)
            assert all(mask[index] for index in decision.layers)
            if not any(mask):
                assert decision.log_prob.item() == 0.0 and decision.entropy.item() == 0.0
        else:
            targets = space.deepen_targets(spec)
            if decision.is_noop:
                assert not targets and decision.log_prob.item() == 0.0
            else:
                chosen = (decision.block, decision.position, decision.after)
                matches = [t for t in targets if (t.block, t.position, t.after) == chosen]
                assert len(matches) == 1
                kernels = matches[0].kernels
                assert decision.kernel_size in kernels if kernels else decision.kernel_size is None
        spec = apply_decision(spec, decision, space)
    assert spec == episode.final_spec


@pytest.mark.parametrize("text", EDGE_SPECS)
def test_masks_hold_on_edge_case_networks(text: str) -> None:
    controller = CONTROLLERS[id(CPU_SPACE)]
    spec = NetSpec.parse(text, input_shape=(3, 32, 32))
    generator = torch.Generator().manual_seed(0)
    for _ in range(25):
        check_episode(controller, controller.sample_episode(spec, num_wider=2, num_deeper=3, generator=generator))


def test_edge_cases_behave_as_expected() -> None:
    controller = CONTROLLERS[id(CPU_SPACE)]
    generator = torch.Generator().manual_seed(0)
    top = NetSpec.parse(EDGE_SPECS[1])
    assert all(controller.sample_wider(top, generator).layers == () for _ in range(20))
    full_block = NetSpec.parse(EDGE_SPECS[2])
    assert all(controller.sample_deeper(full_block, generator).block == 1 for _ in range(20))
    fc_only = NetSpec.parse(EDGE_SPECS[3])
    assert all(controller.sample_deeper(fc_only, generator).kernel_size is None for _ in range(20))
    stuck = NetSpec.parse(EDGE_SPECS[4])
    assert controller.sample_deeper(stuck, generator).is_noop
    assert controller.block_probabilities(stuck).sum().item() == 0.0
    assert controller.wider_probabilities(stuck).sum().item() == 0.0


@st.composite
def networks(draw: st.DrawFn) -> NetSpec:
    """Random plain CNNs with 1-4 conv blocks (some empty), 0-3 fc layers, widths on and off the ladders."""
    widths = st.sampled_from((8, 16, 20, 32, 64, 128, 300))
    tokens: list[str] = []
    blocks = draw(st.integers(1, 4))
    for block in range(blocks):
        count = draw(st.integers(1 if block == 0 else 0, 5))
        tokens += [f"conv-{draw(widths)}-{draw(st.sampled_from((1, 3, 5)))}" for _ in range(count)]
        tokens.append("gap" if block == blocks - 1 else draw(st.sampled_from(("pool", "avgpool"))))
    tokens += [f"fc-{draw(st.sampled_from((16, 32, 64, 256, 500)))}" for _ in range(draw(st.integers(0, 3)))]
    return NetSpec.parse(" ".join(tokens), input_shape=(3, 32, 32))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=networks(), tiny=st.booleans(), seed=st.integers(0, 2**16))
def test_masks_hold_and_rescoring_agrees_on_random_networks(spec: NetSpec, tiny: bool, seed: int) -> None:
    controller = CONTROLLERS[id(TINY_SPACE if tiny else CPU_SPACE)]
    episode = controller.sample_episode(spec, num_wider=2, num_deeper=4, generator=torch.Generator().manual_seed(seed))
    check_episode(controller, episode)
    log_prob, entropy = controller.score_episode(spec, episode.decisions)
    assert episode.log_prob is not None and episode.entropy is not None
    torch.testing.assert_close(log_prob, episode.log_prob, atol=1e-6, rtol=0)
    torch.testing.assert_close(entropy, episode.entropy, atol=1e-6, rtol=0)


def test_rescoring_after_json_round_trip_has_finite_gradients() -> None:
    controller = Controller(ControllerConfig(seed=2), CPU_SPACE)
    spec = NetSpec.parse(EDGE_SPECS[0])
    episode = controller.sample_episode(spec, generator=torch.Generator().manual_seed(9))
    restored = Episode.from_dict(json.loads(json.dumps(episode.to_dict())))
    assert all(decision.log_prob is None for decision in restored.decisions)
    log_prob, entropy = controller.score_episode(restored.start_spec, restored.decisions)
    assert episode.log_prob is not None
    torch.testing.assert_close(log_prob, episode.log_prob, atol=1e-6, rtol=0)
    (log_prob + entropy).backward()
    gradients = [p.grad for p in controller.parameters() if p.grad is not None]
    assert gradients and all(torch.isfinite(g).all() for g in gradients)


def test_stuck_network_scores_zero_with_finite_gradients() -> None:
    controller = Controller(ControllerConfig(seed=2), CPU_SPACE)
    stuck = NetSpec.parse(EDGE_SPECS[4])
    episode = controller.sample_episode(stuck, num_wider=2, num_deeper=2)
    noop = DeeperDecision(None, None, None, None)
    assert episode.decisions == (WiderDecision(()), WiderDecision(()), noop, noop)
    log_prob, entropy = controller.score_episode(stuck, episode.decisions)
    assert log_prob.item() == 0.0 and entropy.item() == 0.0
    (log_prob + entropy).backward()
    assert all(torch.isfinite(p.grad).all() for p in controller.parameters() if p.grad is not None)


def test_same_seed_same_parameters_and_episodes() -> None:
    spec = NetSpec.parse(EDGE_SPECS[0])
    first, second = (Controller(ControllerConfig(seed=4), CPU_SPACE) for _ in range(2))
    for a, b in zip(first.parameters(), second.parameters(), strict=True):
        torch.testing.assert_close(a, b, atol=0, rtol=0)
    assert [first.sample_episode(spec) for _ in range(3)] == [second.sample_episode(spec) for _ in range(3)]
    other = Controller(ControllerConfig(seed=5), CPU_SPACE)
    assert [other.sample_episode(spec) for _ in range(3)] != [first.sample_episode(spec) for _ in range(3)]


def test_construction_leaves_the_global_random_state_alone() -> None:
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    Controller(ControllerConfig(seed=9), CPU_SPACE)
    torch.testing.assert_close(torch.rand(3), expected)


def test_positions_beyond_the_config_are_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="max_positions"):
        Controller(ControllerConfig(max_positions=2), CPU_SPACE)
