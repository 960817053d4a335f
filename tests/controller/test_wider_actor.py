"""Tests of `WiderActor`: masked Bernoulli sampling, scoring of recorded layers, all-masked safety."""

import pytest
import torch

from eas.controller.wider_actor import WiderActor


def _actor_and_outputs() -> tuple[WiderActor, torch.Tensor]:
    torch.manual_seed(0)
    return WiderActor(100), torch.randn(6, 100)


def test_sampled_layers_respect_the_mask_and_rescore_identically() -> None:
    actor, outputs = _actor_and_outputs()
    mask = (True, False, True, False, True, True)
    generator = torch.Generator().manual_seed(3)
    seen: set[int] = set()
    for _ in range(200):
        layers, log_prob, entropy = actor.decide(outputs, mask, generator)
        assert all(mask[index] for index in layers)
        seen.update(layers)
        _, rescored, rescored_entropy = actor.decide(outputs, mask, generator, forced_layers=layers)
        torch.testing.assert_close(rescored, log_prob)
        torch.testing.assert_close(rescored_entropy, entropy)
    assert seen == {0, 2, 4, 5}


def test_log_prob_is_the_sum_of_independent_bernoullis() -> None:
    actor, outputs = _actor_and_outputs()
    mask = (True, True, False, False, False, False)
    probabilities = torch.sigmoid(actor(outputs)).detach()
    _, log_prob, _ = actor.decide(outputs, mask, torch.Generator(), forced_layers=(1,))
    expected = torch.log(1 - probabilities[0]) + torch.log(probabilities[1])
    torch.testing.assert_close(log_prob.detach(), expected)


def test_all_masked_gives_no_layers_and_zero_terms() -> None:
    actor, outputs = _actor_and_outputs()
    layers, log_prob, entropy = actor.decide(outputs, (False,) * 6, torch.Generator().manual_seed(0))
    assert layers == ()
    assert log_prob.item() == 0.0 and entropy.item() == 0.0


def test_recorded_masked_layer_is_rejected() -> None:
    actor, outputs = _actor_and_outputs()
    with pytest.raises(ValueError, match="masked"):
        actor.decide(outputs, (True, False) * 3, torch.Generator(), forced_layers=(1,))
