"""Net2WiderNet for the plain CNN space: `widen` one conv or hidden fc layer.

The new spec comes from `eas.spec.edits.widen_layer`; this module only moves weights, so the
widened network computes the same function as before (exactly when `noise` is 0).
"""

from __future__ import annotations

import torch

from eas.spec import DenseNetSpec, NetSpec, Spec, widen_layer
from eas.transforms.dense import widen_dense
from eas.transforms.mapping import gaussian_noise, replica_counts, resolve_generator, unit_mapping
from eas.transforms.state import (
    BATCH_NORM_FLOAT_ENTRIES,
    StateDict,
    batch_norm_key,
    consumer_weight_key,
    validate_layer_index,
    validate_noise,
    validate_state_dict,
    weight_key,
    with_replacements,
)

# The official code's scale: new units get N(0, (1e-2 * std)^2) noise, which breaks their symmetry.
DEFAULT_WIDEN_NOISE = 0.01


def widen(
    spec: Spec,
    state_dict: StateDict,
    layer: int,
    width: int,
    *,
    noise: float = DEFAULT_WIDEN_NOISE,
    generator: torch.Generator | None = None,
) -> tuple[Spec, StateDict]:
    """Widen layer index `layer` (a conv or hidden fc in `spec.layers`) to `width` units.

    Each new unit copies an existing unit drawn uniformly with replacement (the first units keep
    their place). The layer's weight rows and its BatchNorm weight, bias and running statistics
    are gathered by that mapping; noise N(0, (noise * std(weight))^2) is added to the new units'
    weights only. The next weighted layer (or the classifier) reads each copy divided by the
    number of copies of its source, so sums are unchanged. Inputs are never modified.

    Returns the new spec and a new state dict; `generator` (CPU) makes the draw reproducible.

    On a `DenseNetSpec`, `layer` is a unit index and `width` its new width: a miniblock's growth rate
    (its bottleneck follows at 4 x growth), a transition's or the stem's output channels. Every later
    consumer in the block reads the new channels at their offset (see `eas.transforms.dense`).
    """
    if isinstance(spec, DenseNetSpec):
        noise_scale = validate_noise(noise, "widen")
        validate_state_dict(spec, state_dict)
        return widen_dense(spec, state_dict, layer, width, noise_scale, resolve_generator(generator))
    assert isinstance(spec, NetSpec)
    index = validate_layer_index(spec, layer, "widen")
    old_width = spec.layers[index].width
    if isinstance(width, bool) or not isinstance(width, int) or width <= old_width:
        raise ValueError(
            f"widen: layer {index} ({spec.layers[index].token()}) has {old_width} units; width must be an int "
            f"larger than that, got {width!r}"
        )
    noise_scale = validate_noise(noise, "widen")
    validate_state_dict(spec, state_dict)
    generator = resolve_generator(generator)
    new_spec = widen_layer(spec, index, width)

    target = spec.layers[index]
    mapping = unit_mapping(old_width, width, generator)
    counts = replica_counts(mapping, old_width)
    replacements: StateDict = {}

    weight = state_dict[weight_key(target)].detach()
    # Indexing with a tensor copies, so the input weight is never touched (no in-place edits).
    widened = weight[mapping.to(weight.device)]
    if noise_scale > 0:
        # Population std (correction 0) stays defined for a single-element weight.
        scale = noise_scale * float(weight.float().std(correction=0))
        new_rows = widened[old_width:]
        widened[old_width:] = new_rows + gaussian_noise(tuple(new_rows.shape), scale, generator, new_rows)
    replacements[weight_key(target)] = widened

    # Every statistic of every copied unit, not only the last one (a known Net2Net port bug).
    for entry in BATCH_NORM_FLOAT_ENTRIES:
        key = batch_norm_key(target, entry)
        statistic = state_dict[key].detach()
        replacements[key] = statistic[mapping.to(statistic.device)]

    consumer_key = consumer_weight_key(spec, index)
    consumer = state_dict[consumer_key].detach()
    divisors = counts[mapping].to(device=consumer.device, dtype=consumer.dtype)
    divisors = divisors.reshape(1, width, *([1] * (consumer.dim() - 2)))
    replacements[consumer_key] = consumer[:, mapping.to(consumer.device)] / divisors
    return new_spec, with_replacements(state_dict, replacements)
