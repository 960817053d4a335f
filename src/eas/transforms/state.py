"""State-dict layout of both spaces and the argument checks shared by every transform.

Owns the expected key -> shape table of a `NetSpec` and of a `DenseNetSpec` (the same names
`eas.build` uses), the `validate_state_dict` check, a cloning helper, and the index and noise checks.
"""

from __future__ import annotations

import math

import torch

from eas.spec import CLASSIFIER_PREFIX, DenseNetSpec, LayerSpec, NetSpec, Spec, parameter_prefix
from eas.spec.dense import BOTTLENECK_FACTOR, MINIBLOCK, MINIBLOCK_KERNEL, STEM, STEM_KERNEL, TRANSITION
from eas.spec.layers import CONV

StateDict = dict[str, torch.Tensor]

BATCH_NORM_FLOAT_ENTRIES = ("weight", "bias", "running_mean", "running_var")
BATCH_NORM_COUNTER = "num_batches_tracked"


def weight_key(layer: LayerSpec) -> str:
    """Key of a conv or fc layer's weight, e.g. `body.layer3.conv.weight`."""
    return f"{parameter_prefix(layer.layer_id)}.{'conv' if layer.kind == CONV else 'fc'}.weight"


def batch_norm_module(layer: LayerSpec) -> str:
    """Module path of a weighted layer's BatchNorm in a built model, e.g. `body.layer3.bn`."""
    return f"{parameter_prefix(layer.layer_id)}.bn"


def batch_norm_key(layer: LayerSpec, entry: str) -> str:
    """Key of one BatchNorm entry of a weighted layer, e.g. `body.layer3.bn.running_var`."""
    return f"{batch_norm_module(layer)}.{entry}"


def consumer_weight_key(spec: NetSpec, index: int) -> str:
    """Key of the weight that reads the output of layer `index`: the next weighted layer's
    weight, or the classifier's when no weighted layer follows (pools hold no weights)."""
    later = spec.next_weighted(index)
    return f"{CLASSIFIER_PREFIX}.weight" if later is None else weight_key(spec.layers[later])


def expected_shapes(spec: Spec) -> dict[str, tuple[int, ...]]:
    """Every state-dict key a model built from `spec` has, with its shape."""
    if isinstance(spec, DenseNetSpec):
        return expected_dense_shapes(spec)
    shapes: dict[str, tuple[int, ...]] = {}
    channels = spec.input_shape[0]
    for layer in spec.layers:
        if not layer.is_weighted:
            continue
        if layer.kind == CONV:
            shapes[weight_key(layer)] = (layer.width, channels, layer.kernel_size, layer.kernel_size)
        else:
            shapes[weight_key(layer)] = (layer.width, channels)
        for entry in BATCH_NORM_FLOAT_ENTRIES:
            shapes[batch_norm_key(layer, entry)] = (layer.width,)
        shapes[batch_norm_key(layer, BATCH_NORM_COUNTER)] = ()
        channels = layer.width
    shapes[f"{CLASSIFIER_PREFIX}.weight"] = (spec.num_classes, channels)
    shapes[f"{CLASSIFIER_PREFIX}.bias"] = (spec.num_classes,)
    return shapes


def validate_state_dict(spec: Spec, state_dict: StateDict) -> None:
    """Raise a `ValueError` unless `state_dict` holds exactly the tensors a model of `spec` has,
    with the right shapes (floating point everywhere except the BatchNorm batch counters)."""
    if not isinstance(state_dict, dict):
        raise ValueError(f"state_dict must be a dict of tensors (model.state_dict()), got {type(state_dict).__name__}")
    shapes = expected_shapes(spec)
    missing = [key for key in shapes if key not in state_dict]
    unexpected = [key for key in state_dict if key not in shapes]
    if missing or unexpected:
        raise ValueError(
            f"state_dict does not match the spec {spec.to_string()!r}: missing keys {missing}, unexpected keys "
            f"{unexpected}; pass the state dict of a model built from this spec (ids name the weights)"
        )
    for key, shape in shapes.items():
        value = state_dict[key]
        if not isinstance(value, torch.Tensor):
            raise ValueError(f"state_dict[{key!r}] must be a tensor, got {type(value).__name__}")
        if tuple(value.shape) != shape:
            raise ValueError(
                f"state_dict[{key!r}] has shape {tuple(value.shape)}, but the spec {spec.to_string()!r} needs "
                f"{shape}; the weights belong to another architecture"
            )
        if not key.endswith(BATCH_NORM_COUNTER) and not value.is_floating_point():
            raise ValueError(f"state_dict[{key!r}] must be floating point, got {value.dtype}")


# ----- DenseNet layout -------------------------------------------------------------------------------
FINAL_BATCH_NORM = "final_bn"


def output_weight_key(spec: DenseNetSpec, index: int) -> str:
    """The conv weight whose rows are unit `index`'s output channels (a miniblock's 3x3 conv)."""
    unit = spec.layers[index]
    return f"{parameter_prefix(unit.layer_id)}.{'conv2' if unit.kind == MINIBLOCK else 'conv'}.weight"


def input_keys(spec: DenseNetSpec, consumer: int | None) -> tuple[str, str]:
    """(BatchNorm module, weight key) through which `consumer` reads its block's features: a
    miniblock's bn1 and 1x1 conv, a transition's bn and conv, or (None) the final BN and classifier."""
    if consumer is None:
        return FINAL_BATCH_NORM, f"{CLASSIFIER_PREFIX}.weight"
    unit = spec.layers[consumer]
    prefix = parameter_prefix(unit.layer_id)
    if unit.kind == MINIBLOCK:
        return f"{prefix}.bn1", f"{prefix}.conv1.weight"
    if unit.kind == TRANSITION:
        return f"{prefix}.bn", f"{prefix}.conv.weight"
    raise ValueError(f"unit {consumer} ({unit.token()}) reads the image, not a block's features")


def expected_dense_shapes(spec: DenseNetSpec) -> dict[str, tuple[int, ...]]:
    """Every state-dict key a DenseNet built from `spec` has, with its shape, in the model's order."""
    shapes: dict[str, tuple[int, ...]] = {}

    def batch_norm(module: str, channels: int) -> None:
        for entry in BATCH_NORM_FLOAT_ENTRIES:
            shapes[f"{module}.{entry}"] = (channels,)
        shapes[f"{module}.{BATCH_NORM_COUNTER}"] = ()

    for unit, channels in zip(spec.layers, spec.input_channels(), strict=True):
        prefix = parameter_prefix(unit.layer_id)
        if unit.kind == STEM:
            shapes[f"{prefix}.conv.weight"] = (unit.width, channels, STEM_KERNEL, STEM_KERNEL)
        elif unit.kind == MINIBLOCK:
            bottleneck = BOTTLENECK_FACTOR * unit.width
            batch_norm(f"{prefix}.bn1", channels)
            shapes[f"{prefix}.conv1.weight"] = (bottleneck, channels, 1, 1)
            batch_norm(f"{prefix}.bn2", bottleneck)
            shapes[f"{prefix}.conv2.weight"] = (unit.width, bottleneck, MINIBLOCK_KERNEL, MINIBLOCK_KERNEL)
        else:
            batch_norm(f"{prefix}.bn", channels)
            shapes[f"{prefix}.conv.weight"] = (unit.width, channels, 1, 1)
    batch_norm(FINAL_BATCH_NORM, spec.output_channels())
    shapes[f"{CLASSIFIER_PREFIX}.weight"] = (spec.num_classes, spec.output_channels())
    shapes[f"{CLASSIFIER_PREFIX}.bias"] = (spec.num_classes,)
    return shapes


def clone_state_dict(state_dict: StateDict) -> StateDict:
    """A deep copy, so a transform's output never shares storage with its input."""
    return {key: value.detach().clone() for key, value in state_dict.items()}


def validate_layer_index(spec: NetSpec, index: object, action: str) -> int:
    """`index` as an int if it names a conv or hidden fc layer, else a `ValueError` saying why."""
    if isinstance(index, bool) or not isinstance(index, int):
        raise ValueError(f"{action}: the layer index must be an int, got {index!r}")
    count = len(spec.layers)
    if index == count:
        raise ValueError(
            f"{action}: index {index} is the classifier, which no action touches; choose a conv or hidden fc "
            f"layer among 0..{count - 1}"
        )
    if not 0 <= index < count:
        raise ValueError(f"{action}: layer index {index} is out of range; the spec has layers 0..{count - 1}")
    layer = spec.layers[index]
    if not layer.is_weighted:
        raise ValueError(
            f"{action}: layer {index} is {layer.token()!r}, which has no weights; choose a conv or hidden fc layer"
        )
    return index


def validate_noise(noise: object, action: str) -> float:
    """The noise scale as a float if it is finite and >= 0 (0 means an exact transform)."""
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not math.isfinite(noise) or noise < 0:
        raise ValueError(f"{action}: noise must be a finite number >= 0 (0 for an exact copy), got {noise!r}")
    return float(noise)


def with_replacements(state_dict: StateDict, replacements: StateDict) -> StateDict:
    """A new state dict in the input's key order: `replacements` where given, clones elsewhere
    (cloning only what is kept saves a copy of the large replaced tensors)."""
    return {
        key: replacements[key] if key in replacements else value.detach().clone() for key, value in state_dict.items()
    }
