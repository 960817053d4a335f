"""Function-preserving transforms of a DenseNet: a wider unit and a copied miniblock.

A unit's output channels sit at an offset inside its block's concatenated features, and every later
miniblock of the block and the block's end (a transition, or the final BN and classifier) reads them
through a BatchNorm and a weight. Both transforms therefore end the same way: each consumer's input
slice is gathered (BN entries and weight columns) and the weight columns are divided by the number of
copies of their source channel, as Net2WiderNet does for one consumer. Exact in eval mode and in train
mode with noise 0, since copied channels have identical values and so identical batch statistics.
"""

from __future__ import annotations

import torch

from eas.spec import DenseNetSpec, insert_miniblock, widen_unit
from eas.spec.dense import BOTTLENECK_FACTOR, MINIBLOCK
from eas.spec.dense_edits import unit_at
from eas.spec.layers import parameter_prefix
from eas.transforms.mapping import gaussian_noise, replica_counts, unit_mapping
from eas.transforms.state import (
    BATCH_NORM_COUNTER,
    BATCH_NORM_FLOAT_ENTRIES,
    StateDict,
    expected_shapes,
    input_keys,
    output_weight_key,
    with_replacements,
)

# A copied miniblock reads the channels of the miniblock it copies through this BN (its weight
# column there is 0, so any finite values are exact; these make it a plain ReLU once training moves it).
_IDENTITY_STATISTICS = {"weight": 1.0, "bias": 0.0, "running_mean": 0.0, "running_var": 1.0}


def widen_dense(
    spec: DenseNetSpec, state: StateDict, index: int, width: int, noise: float, generator: torch.Generator
) -> tuple[DenseNetSpec, StateDict]:
    """Widen unit `index` to `width` (a miniblock's growth: its bottleneck grows to 4 x width too)."""
    new_spec = widen_unit(spec, index, width)
    unit = spec.layers[index]
    replacements: StateDict = {}
    if unit.kind == MINIBLOCK:
        replacements.update(_widen_bottleneck(unit.layer_id, state, unit.width, width, noise, generator))
    mapping = unit_mapping(unit.width, width, generator)
    output_key = output_weight_key(spec, index)
    output = replacements.get(output_key, state[output_key]).detach()
    replacements[output_key] = _gather_rows(output, mapping, unit.width, noise, generator)
    counts = replica_counts(mapping, unit.width)
    replacements.update(_remap_consumers(spec, state, index, mapping, counts[mapping].float(), unit.width))
    return new_spec, with_replacements(state, replacements)


def deepen_dense(
    spec: DenseNetSpec, state: StateDict, after: int, noise: float, generator: torch.Generator
) -> tuple[DenseNetSpec, StateDict]:
    """Insert a copy of miniblock `after` right after it (the official EAS construction).

    The copy reads what the original read plus the original's own output, with zero weights on the
    latter, so it computes the original's channels again; its output channels are a random
    permutation of them. Every later consumer then reads the original's channels and their copies
    each with half the original weight."""
    unit = unit_at(spec, after, "deepen")
    new_spec = insert_miniblock(spec, after)
    new_unit = new_spec.layers[after + 1]
    old, new = parameter_prefix(unit.layer_id), parameter_prefix(new_unit.layer_id)
    growth = unit.width
    reference = state[f"{old}.conv1.weight"].detach()
    entries: StateDict = {}
    for entry in BATCH_NORM_FLOAT_ENTRIES:
        source = state[f"{old}.bn1.{entry}"].detach()
        tail = torch.full((growth,), _IDENTITY_STATISTICS[entry], dtype=source.dtype, device=source.device)
        entries[f"{new}.bn1.{entry}"] = torch.cat((source, tail))
        entries[f"{new}.bn2.{entry}"] = state[f"{old}.bn2.{entry}"].detach().clone()
    for module in ("bn1", "bn2"):
        entries[f"{new}.{module}.{BATCH_NORM_COUNTER}"] = state[f"{old}.{module}.{BATCH_NORM_COUNTER}"].clone()
    zeros = torch.zeros(reference.shape[0], growth, 1, 1, dtype=reference.dtype, device=reference.device)
    entries[f"{new}.conv1.weight"] = _with_noise(torch.cat((reference, zeros), dim=1), noise, reference, generator)
    permutation = torch.randperm(growth, generator=generator)
    output = state[f"{old}.conv2.weight"].detach()
    entries[f"{new}.conv2.weight"] = _with_noise(output[permutation.to(output.device)], noise, output, generator)
    # The consumers' slice of the original's channels becomes [original, copy]: both halves come from the
    # original's channels (the copy's in permuted order) and each is read with half the weight.
    source = torch.cat((torch.arange(growth), permutation))
    replacements = _remap_consumers(spec, state, after, source, torch.full((2 * growth,), 2.0), growth)
    replacements.update(entries)
    return new_spec, {
        key: replacements[key] if key in replacements else state[key].detach().clone()
        for key in expected_shapes(new_spec)
    }


def _widen_bottleneck(
    layer_id: int, state: StateDict, growth: int, width: int, noise: float, generator: torch.Generator
) -> StateDict:
    """Net2WiderNet inside a miniblock: the 1x1 conv's outputs (and bn2) from 4 x growth to 4 x width, the
    3x3 conv reading each copy divided by its number of copies."""
    prefix = parameter_prefix(layer_id)
    old_width, new_width = BOTTLENECK_FACTOR * growth, BOTTLENECK_FACTOR * width
    mapping = unit_mapping(old_width, new_width, generator)
    counts = replica_counts(mapping, old_width)
    reducer = state[f"{prefix}.conv1.weight"].detach()
    replacements = {f"{prefix}.conv1.weight": _gather_rows(reducer, mapping, old_width, noise, generator)}
    for entry in BATCH_NORM_FLOAT_ENTRIES:
        statistic = state[f"{prefix}.bn2.{entry}"].detach()
        replacements[f"{prefix}.bn2.{entry}"] = statistic[mapping.to(statistic.device)]
    reader = state[f"{prefix}.conv2.weight"].detach()
    divisors = counts[mapping].to(device=reader.device, dtype=reader.dtype).reshape(1, new_width, 1, 1)
    replacements[f"{prefix}.conv2.weight"] = reader[:, mapping.to(reader.device)] / divisors
    return replacements


def _remap_consumers(
    spec: DenseNetSpec, state: StateDict, index: int, source: torch.Tensor, divisors: torch.Tensor, width: int
) -> StateDict:
    """Every consumer of unit `index` reads, in place of its `width` channels, channel `source[j]` of them
    divided by `divisors[j]` (BN entries gathered the same way, undivided)."""
    offset = spec.offset_in_block(index)
    replacements: StateDict = {}
    for consumer in spec.consumers(index):
        batch_norm, weight_key = input_keys(spec, consumer)
        weight = state[weight_key].detach()
        channels = weight.shape[1]
        gather = torch.cat((torch.arange(offset), offset + source, torch.arange(offset + width, channels)))
        scale = torch.cat((torch.ones(offset), divisors, torch.ones(channels - offset - width)))
        scale = scale.to(device=weight.device, dtype=weight.dtype).reshape(1, -1, *([1] * (weight.dim() - 2)))
        replacements[weight_key] = weight[:, gather.to(weight.device)] / scale
        for entry in BATCH_NORM_FLOAT_ENTRIES:
            statistic = state[f"{batch_norm}.{entry}"].detach()
            replacements[f"{batch_norm}.{entry}"] = statistic[gather.to(statistic.device)]
    return replacements


def _gather_rows(
    weight: torch.Tensor, mapping: torch.Tensor, old_width: int, noise: float, generator: torch.Generator
) -> torch.Tensor:
    """Rows of `weight` by `mapping`, with N(0, (noise * std)^2) added to the new rows only."""
    widened = weight[mapping.to(weight.device)]
    if noise > 0:
        scale = noise * float(weight.float().std(correction=0))
        new_rows = widened[old_width:]
        widened[old_width:] = new_rows + gaussian_noise(tuple(new_rows.shape), scale, generator, new_rows)
    return widened


def _with_noise(
    weight: torch.Tensor, noise: float, reference: torch.Tensor, generator: torch.Generator
) -> torch.Tensor:
    """`weight` plus N(0, (noise * std(reference))^2) everywhere (a copied unit's symmetry breaker)."""
    if noise <= 0:
        return weight
    scale = noise * float(reference.float().std(correction=0))
    return weight + gaussian_noise(tuple(weight.shape), scale, generator, weight)
