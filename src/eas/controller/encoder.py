"""`SpecEncoder`: token embedding + one-layer bidirectional LSTM over a network's layers.

Its per-layer outputs feed the wider actor; its final states (both directions, h and c) start the
deeper actor's LSTM cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class EncodedSpec:
    """Encoder results for one network: `outputs` (layers, 2*hidden), `hidden` and `cell` (1, 2*hidden)."""

    outputs: torch.Tensor
    hidden: torch.Tensor
    cell: torch.Tensor


class SpecEncoder(nn.Module):
    """Embedding of size `embedding_size` followed by a bidirectional LSTM with `hidden_size` per direction."""

    def __init__(self, vocabulary_size: int, embedding_size: int, hidden_size: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocabulary_size, embedding_size)
        self.lstm = nn.LSTM(embedding_size, hidden_size, num_layers=1, batch_first=True, bidirectional=True)

    @property
    def output_size(self) -> int:
        """Width of each position's output and of the final states (both directions concatenated)."""
        return 2 * self.lstm.hidden_size

    def forward(self, token_indices: torch.Tensor) -> EncodedSpec:
        """Encode one network given its token indices, shape (layers,)."""
        embedded = self.embedding(token_indices).unsqueeze(0)
        outputs, (hidden, cell) = self.lstm(embedded)
        # hidden/cell are (directions, batch, hidden): forward's last step and backward's first step.
        return EncodedSpec(
            outputs=outputs[0],
            hidden=torch.cat([hidden[0], hidden[1]], dim=-1),
            cell=torch.cat([cell[0], cell[1]], dim=-1),
        )
