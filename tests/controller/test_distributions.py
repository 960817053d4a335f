"""Tests of the masked softmax and Bernoulli helpers: exact values, masking and no NaN anywhere."""

import math

import pytest
import torch

from eas.controller.distributions import (
    bernoulli_entropy,
    bernoulli_log_prob,
    categorical_entropy,
    masked_log_softmax,
    sample_bernoulli,
    sample_categorical,
)


def test_masked_softmax_equals_softmax_over_the_allowed_subset() -> None:
    logits = torch.tensor([0.3, -1.0, 2.0, 0.5], requires_grad=True)
    mask = torch.tensor([True, False, True, False])
    log_probs = masked_log_softmax(logits, mask)
    expected = torch.log_softmax(logits.detach()[[0, 2]], dim=0)
    torch.testing.assert_close(log_probs[[0, 2]], expected)
    assert torch.isinf(log_probs[1]) and torch.isinf(log_probs[3])
    entropy = categorical_entropy(log_probs, mask)
    torch.testing.assert_close(entropy, -(expected.exp() * expected).sum())
    (log_probs[2] + entropy).backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all()
    assert logits.grad[1] == 0 and logits.grad[3] == 0


def test_masked_softmax_needs_one_allowed_choice() -> None:
    with pytest.raises(ValueError, match="at least one"):
        masked_log_softmax(torch.zeros(3), torch.zeros(3, dtype=torch.bool))


def test_sampling_never_picks_a_masked_choice() -> None:
    log_probs = masked_log_softmax(torch.tensor([5.0, 0.0, 5.0]), torch.tensor([False, True, False]))
    generator = torch.Generator().manual_seed(0)
    assert {sample_categorical(log_probs, generator) for _ in range(50)} == {1}


def test_bernoulli_terms_ignore_masked_positions_and_stay_finite() -> None:
    logits = torch.tensor([0.0, 40.0, -40.0], requires_grad=True)
    mask = torch.tensor([True, False, True])
    chosen = torch.tensor([True, True, False])
    log_prob = bernoulli_log_prob(logits, mask, chosen)
    torch.testing.assert_close(log_prob, torch.tensor(math.log(0.5)), atol=1e-6, rtol=0)
    entropy = bernoulli_entropy(logits, mask)
    torch.testing.assert_close(entropy, torch.tensor(math.log(2.0)), atol=1e-6, rtol=0)
    (log_prob + entropy).backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all() and logits.grad[1] == 0


def test_bernoulli_with_everything_masked_is_zero_not_nan() -> None:
    logits = torch.randn(4, requires_grad=True)
    mask = torch.zeros(4, dtype=torch.bool)
    generator = torch.Generator().manual_seed(0)
    chosen = sample_bernoulli(logits, mask, generator)
    assert not chosen.any()
    total = bernoulli_log_prob(logits, mask, chosen) + bernoulli_entropy(logits, mask)
    assert total.item() == 0.0
    total.backward()
    assert logits.grad is not None and torch.isfinite(logits.grad).all()
