"""`WiderActor`: one shared linear layer + sigmoid on each layer's encoding = P(widen that layer).

A wider action is an independent Bernoulli draw per layer. Layers the action space masks (pools,
layers at the top of their ladder, over the parameter budget) are never chosen and add nothing to
the log-probability or the entropy.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from eas.controller.distributions import bernoulli_entropy, bernoulli_log_prob, sample_bernoulli


class WiderActor(nn.Module):
    """Scores every layer of an encoded network for widening."""

    def __init__(self, input_size: int) -> None:
        super().__init__()
        self.linear = nn.Linear(input_size, 1)

    def forward(self, encoder_outputs: torch.Tensor) -> torch.Tensor:
        """Logits of widening each layer, shape (layers,); sigmoid of them are the probabilities."""
        return self.linear(encoder_outputs).squeeze(-1)

    def decide(
        self,
        encoder_outputs: torch.Tensor,
        mask: Sequence[bool],
        generator: torch.Generator,
        forced_layers: Sequence[int] | None = None,
    ) -> tuple[tuple[int, ...], torch.Tensor, torch.Tensor]:
        """Sample the layers to widen (or score `forced_layers`): (layers, log_prob, entropy)."""
        logits = self.forward(encoder_outputs)
        allowed = torch.tensor(list(mask), dtype=torch.bool, device=logits.device)
        if forced_layers is None:
            chosen = sample_bernoulli(logits, allowed, generator).to(logits.device)
        else:
            bad = [index for index in forced_layers if not 0 <= index < len(mask) or not mask[index]]
            if bad:
                raise ValueError(f"recorded wider decision widens masked layers {bad}")
            chosen = torch.zeros_like(allowed)
            chosen[list(forced_layers)] = True
        layers = tuple(int(index) for index in torch.nonzero(chosen).flatten().tolist())
        return layers, bernoulli_log_prob(logits, allowed, chosen), bernoulli_entropy(logits, allowed)
