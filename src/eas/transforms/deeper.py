"""Net2DeeperNet for the plain CNN space: `deepen` inserts an identity conv or fc layer.

The new spec comes from `eas.spec.edits.insert_identity_layer`; this module makes the new layer's
weights an identity (centre tap for convs) and its BatchNorm an identity, optionally from data.
"""

from __future__ import annotations

import math

import torch

from eas.spec import BATCH_NORM_EPS, DEFAULT_KERNEL, DenseNetSpec, LayerSpec, NetSpec, Spec, insert_identity_layer
from eas.spec.layers import CONV
from eas.transforms.calibrate import calibrate
from eas.transforms.check import validate_inputs
from eas.transforms.dense import deepen_dense
from eas.transforms.mapping import gaussian_noise, resolve_generator
from eas.transforms.state import (
    BATCH_NORM_COUNTER,
    StateDict,
    batch_norm_key,
    expected_shapes,
    validate_layer_index,
    validate_noise,
    validate_state_dict,
    weight_key,
)

# BN(x) = (x - 0) / sqrt(1 + eps) * sqrt(1 + eps) + 0: an identity in eval mode up to one float32
# rounding (measured max |difference| ~1e-7 relative), for any input statistics.
IDENTITY_BATCH_NORM_WEIGHT = math.sqrt(1.0 + BATCH_NORM_EPS)


# The official code's scale: N(0, (1e-3 * std)^2) on the whole identity kernel.
DEFAULT_DEEPEN_NOISE = 0.001


def identity_kernel(layer: LayerSpec, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """The weight of an identity layer: for a conv, zeros with a 1 at the centre tap of channel i -> i
    (with 'same' padding an off-centre tap would shift the feature map); for an fc, the identity."""
    if layer.kind != CONV:
        return torch.eye(layer.width, dtype=dtype, device=device)
    kernel = torch.zeros(layer.width, layer.width, layer.kernel_size, layer.kernel_size, dtype=dtype, device=device)
    channels = torch.arange(layer.width, device=device)
    centre = layer.kernel_size // 2
    kernel[channels, channels, centre, centre] = 1.0
    return kernel


def identity_kernel_std(layer: LayerSpec) -> float:
    """Population std of `identity_kernel(layer)` in closed form (width ones among width * fan-in
    entries, so the fraction p of ones gives sqrt(p (1 - p))), without a pass over a large kernel."""
    fan_in = layer.width * (layer.kernel_size**2 if layer.kind == CONV else 1)
    fraction = 1.0 / fan_in
    return math.sqrt(fraction * (1.0 - fraction))


def identity_batch_norm(layer: LayerSpec, dtype: torch.dtype, device: torch.device) -> StateDict:
    """State entries that make a new layer's BatchNorm an identity in eval mode, without data."""
    width = layer.width
    return {
        batch_norm_key(layer, "weight"): torch.full((width,), IDENTITY_BATCH_NORM_WEIGHT, dtype=dtype, device=device),
        batch_norm_key(layer, "bias"): torch.zeros(width, dtype=dtype, device=device),
        batch_norm_key(layer, "running_mean"): torch.zeros(width, dtype=dtype, device=device),
        batch_norm_key(layer, "running_var"): torch.ones(width, dtype=dtype, device=device),
        batch_norm_key(layer, BATCH_NORM_COUNTER): torch.zeros((), dtype=torch.long, device=device),
    }


def deepen(
    spec: Spec,
    state_dict: StateDict,
    after: int,
    *,
    kernel_size: int = DEFAULT_KERNEL,
    calibration: torch.Tensor | None = None,
    noise: float = DEFAULT_DEEPEN_NOISE,
    generator: torch.Generator | None = None,
) -> tuple[Spec, StateDict]:
    """Insert an identity layer right after layer index `after` (a conv or hidden fc).

    A conv gets `kernel_size` (one of `KERNEL_SIZES`) with the identity at the centre tap; an fc gets
    the identity matrix (its kernel size is ignored, so a deeper `Edit`'s `NO_KERNEL` is fine).
    Noise N(0, (noise * std(K))^2) is added to the whole new kernel K, where std(K) is the population
    std of the identity kernel itself (a scale that does not depend on the trained weights; it is 0
    for a 1x1 kernel of one channel, which then stays exact). The new BatchNorm is an identity in
    eval mode: running mean 0, running var 1, weight sqrt(1 + eps), bias 0. With `calibration` (a
    float batch N x C x H x W, N >= 2) it is set from data instead, see `calibrate`, so that it is
    also close to an identity in train mode. Inputs are never modified; `generator` (CPU) makes the
    noise reproducible.

    On a `DenseNetSpec`, `after` is a miniblock's unit index and a copy of that miniblock is inserted
    after it (see `eas.transforms.dense`); it has no kernel choice, and it is exact in train mode as
    well, so `kernel_size` and `calibration` are not used.
    """
    if isinstance(spec, DenseNetSpec):
        noise_scale = validate_noise(noise, "deepen")
        validate_state_dict(spec, state_dict)
        return deepen_dense(spec, state_dict, after, noise_scale, resolve_generator(generator))
    assert isinstance(spec, NetSpec)
    index = validate_layer_index(spec, after, "deepen")
    noise_scale = validate_noise(noise, "deepen")
    validate_state_dict(spec, state_dict)
    if calibration is not None:
        validate_inputs(spec, calibration, "deepen calibration", minimum_batch=2)
    generator = resolve_generator(generator)
    new_spec = insert_identity_layer(spec, index, kernel_size)
    new_layer = new_spec.layers[index + 1]

    reference = state_dict[weight_key(spec.layers[index])]
    kernel = identity_kernel(new_layer, reference.dtype, reference.device)
    if noise_scale > 0:
        scale = noise_scale * identity_kernel_std(new_layer)
        kernel = kernel + gaussian_noise(tuple(kernel.shape), scale, generator, kernel)
    new_entries = {weight_key(new_layer): kernel, **identity_batch_norm(new_layer, reference.dtype, reference.device)}

    # The new spec's key order is the model's own order, which keeps the output tidy to read.
    new_state = {
        key: new_entries[key] if key in new_entries else state_dict[key].detach().clone()
        for key in expected_shapes(new_spec)
    }
    if calibration is not None:
        new_state = calibrate(new_spec, new_state, [new_layer.layer_id], calibration)
    return new_spec, new_state
