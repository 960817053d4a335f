"""The shipped form of a network: input normalisation and the network in one eval-mode module.

Input convention, the same for every export format and for `eas predict`: float32 images of shape
N x C x H x W on the 0..1 scale (pixel / 255), any batch size. Outputs are logits, N x classes.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from eas.build import build_model
from eas.export.source import TrainedNetwork

INPUT_NAME = "images"
OUTPUT_NAME = "logits"
INPUT_DESCRIPTION = "float32 N x C x H x W images on the 0..1 scale (pixel / 255); outputs logits N x classes"


class NormalizedClassifier(nn.Module):
    """`network((images - mean) / std)`: training normalised pixel/255 with these per-channel statistics,
    so putting the same arithmetic in front makes the network take plain 0..1 images."""

    mean: torch.Tensor
    std: torch.Tensor

    def __init__(self, network: nn.Module, mean: Sequence[float], std: Sequence[float]) -> None:
        super().__init__()
        self.network = network
        channels = len(mean)
        # Buffers, not constants: they travel with the state dict (safetensors export) and into graphs.
        self.register_buffer("mean", torch.tensor(tuple(mean), dtype=torch.float32).view(1, channels, 1, 1))
        self.register_buffer("std", torch.tensor(tuple(std), dtype=torch.float32).view(1, channels, 1, 1))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.network((images - self.mean) / self.std)


def inference_model(trained: TrainedNetwork) -> NormalizedClassifier:
    """The network of `trained` with its normalisation in front, in eval mode, on the CPU."""
    network = build_model(trained.spec, trained.state)
    return NormalizedClassifier(network, trained.info.mean, trained.info.std).eval()


def example_batch(input_shape: tuple[int, int, int], count: int, seed: int = 0) -> torch.Tensor:
    """`count` random 0..1 images of `input_shape`, reproducible from `seed` (global RNG untouched)."""
    generator = torch.Generator().manual_seed(seed)
    return torch.rand((count, *input_shape), generator=generator)
