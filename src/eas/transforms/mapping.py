"""Randomness of the transforms: the Net2WiderNet unit mapping, replica counts and noise.

All draws go through one explicit `torch.Generator` on the CPU, so a transform is reproducible
from its seed and independent of the device the weights live on.
"""

from __future__ import annotations

import torch


def resolve_generator(generator: torch.Generator | None) -> torch.Generator:
    """`generator` itself, or a fresh CPU generator seeded from torch's global RNG (so results are
    reproducible under `torch.manual_seed` without the caller managing a generator)."""
    if generator is not None:
        if not isinstance(generator, torch.Generator):
            raise ValueError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
        if generator.device.type != "cpu":
            raise ValueError(f"generator must be a CPU torch.Generator, got one on {generator.device}")
        return generator
    seed = int(torch.randint(0, 2**62, (1,)).item())
    return torch.Generator().manual_seed(seed)


def unit_mapping(old_width: int, new_width: int, generator: torch.Generator) -> torch.Tensor:
    """The mapping g of Net2WiderNet as an int64 tensor of length `new_width`: g[j] = j for the
    first `old_width` units; every new unit copies an old unit drawn uniformly with replacement."""
    if not 1 <= old_width < new_width:
        raise ValueError(f"unit_mapping needs 1 <= old_width < new_width, got {old_width} and {new_width}")
    extra = torch.randint(0, old_width, (new_width - old_width,), generator=generator)
    return torch.cat([torch.arange(old_width), extra])


def replica_counts(mapping: torch.Tensor, old_width: int) -> torch.Tensor:
    """How many units of the widened layer copy each old unit (always >= 1), length `old_width`."""
    return torch.bincount(mapping, minlength=old_width)


def gaussian_noise(
    shape: tuple[int, ...], scale: float, generator: torch.Generator, like: torch.Tensor
) -> torch.Tensor:
    """N(0, scale^2) noise shaped `shape`, drawn on the CPU in float32 (the same draw whatever the
    weights' dtype) and moved to `like`'s device and dtype."""
    noise = torch.randn(shape, generator=generator, dtype=torch.float32).mul_(scale)
    return noise.to(device=like.device, dtype=like.dtype)
