"""Architecture-only edits: the spec side of the wider and deeper actions.

The controller re-encodes a network after every action without touching weights, and the
weight transforms build their new spec with these same functions, so the two never disagree.
"""

from __future__ import annotations

from eas.spec.layers import CONV, FC, LayerSpec
from eas.spec.network import NetSpec


def widen_layer(spec: NetSpec, index: int, width: int) -> NetSpec:
    """`spec` with layer `index` (a conv or hidden fc) made `width` wide; the width must grow."""
    layer = _weighted_layer(spec, index, "widen")
    if width <= layer.width:
        raise ValueError(
            f"widen: layer {index} ({layer.token()}) already has {layer.width} units; the new width must be "
            f"larger, got {width}"
        )
    layers = list(spec.layers)
    layers[index] = layer.with_width(width)
    return spec.replace_layers(tuple(layers))


def insert_identity_layer(spec: NetSpec, after: int, kernel_size: int = 3) -> NetSpec:
    """`spec` with a new layer as wide as layer `after` inserted right after it (conv: with
    `kernel_size`; fc: kernel ignored). The new layer gets a fresh id."""
    layer = _weighted_layer(spec, after, "deepen")
    if layer.kind == CONV:
        if kernel_size % 2 == 0 or kernel_size not in (1, 3, 5):
            raise ValueError(
                f"deepen: kernel_size must be 1, 3 or 5 (odd, so the identity tap is centred), got {kernel_size}"
            )
        new = LayerSpec(CONV, layer.width, kernel_size, spec.next_layer_id())
    else:
        new = LayerSpec(FC, layer.width, 0, spec.next_layer_id())
    return spec.replace_layers((*spec.layers[: after + 1], new, *spec.layers[after + 1 :]))


def _weighted_layer(spec: NetSpec, index: int, action: str) -> LayerSpec:
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(spec.layers):
        raise ValueError(f"{action}: layer index {index} is out of range 0..{len(spec.layers) - 1}")
    layer = spec.layers[index]
    if not layer.is_weighted:
        raise ValueError(
            f"{action}: layer {index} is {layer.token()!r}; only conv and hidden fc layers can be used "
            "(pools, gap and the classifier cannot)"
        )
    return layer
