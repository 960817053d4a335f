"""Masked categorical and independent-Bernoulli helpers that never produce NaN.

Masked-out choices get probability 0 and add nothing to log-probabilities or entropies (the
official code divided the wider entropy by the mask sum and took the log of raw probabilities).
Sampling runs on the CPU with an explicit `torch.Generator`, so a seed reproduces every choice.
"""

from __future__ import annotations

import torch
from torch.nn import functional


def masked_log_softmax(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Log-probabilities of a softmax restricted to `mask` (-inf where masked); the mask must allow one."""
    if not bool(mask.any()):
        raise ValueError("a masked softmax needs at least one allowed choice")
    return functional.log_softmax(logits.masked_fill(~mask, float("-inf")), dim=-1)


def categorical_entropy(log_probs: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Entropy over the allowed choices of a masked softmax's log-probabilities."""
    # Zero the -inf entries before multiplying: 0 * -inf would be NaN in the value and in the gradient.
    safe = log_probs.masked_fill(~mask, 0.0)
    return -(safe.exp().masked_fill(~mask, 0.0) * safe).sum()


def sample_categorical(log_probs: torch.Tensor, generator: torch.Generator) -> int:
    """Draw one index from log-probabilities (masked entries have probability 0)."""
    probabilities = log_probs.detach().exp().cpu()
    return int(torch.multinomial(probabilities, 1, generator=generator).item())


def bernoulli_log_prob(logits: torch.Tensor, mask: torch.Tensor, chosen: torch.Tensor) -> torch.Tensor:
    """Sum over allowed positions of log p (chosen) or log(1 - p) (not chosen), with p = sigmoid(logit)."""
    # logsigmoid(-z) = log(1 - sigmoid(z)) without ever taking the log of a probability near 0.
    terms = torch.where(chosen, functional.logsigmoid(logits), functional.logsigmoid(-logits))
    return (terms * mask.to(terms.dtype)).sum()


def bernoulli_entropy(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Sum of the allowed positions' Bernoulli entropies (0 when nothing is allowed, never NaN)."""
    probabilities = torch.sigmoid(logits)
    per_position = -(
        probabilities * functional.logsigmoid(logits) + (1.0 - probabilities) * functional.logsigmoid(-logits)
    )
    return (per_position * mask.to(per_position.dtype)).sum()


def sample_bernoulli(logits: torch.Tensor, mask: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Independent draws with p = sigmoid(logit); masked positions are never chosen. Bool tensor on the CPU."""
    probabilities = torch.sigmoid(logits.detach()).cpu()
    uniform = torch.rand(probabilities.shape, generator=generator, dtype=probabilities.dtype)
    return (uniform < probabilities) & mask.cpu()
