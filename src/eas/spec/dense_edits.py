"""Edits on a DenseNet spec: a wider growth, a copied miniblock, transitions kept at their compression.

Pure architecture changes; `eas.transforms` moves the weights. Indices are positions in
`spec.layers`, as for plain specs, so the same `Edit` type describes both spaces.
"""

from __future__ import annotations

from eas.spec.dense import DEFAULT_COMPRESSION, MINIBLOCK, TRANSITION, DenseNetSpec, DenseUnitSpec


def widen_unit(spec: DenseNetSpec, index: int, width: int) -> DenseNetSpec:
    """`spec` with unit `index` (stem, miniblock or transition) made `width` wide; the width must grow."""
    unit = unit_at(spec, index, "widen")
    if isinstance(width, bool) or not isinstance(width, int) or width <= unit.width:
        raise ValueError(
            f"widen: unit {index} ({unit.token()}) has width {unit.width}; the new width must be an int larger "
            f"than that, got {width!r}"
        )
    layers = list(spec.layers)
    layers[index] = unit.with_width(width)
    return spec.replace_layers(tuple(layers))


def insert_miniblock(spec: DenseNetSpec, after: int) -> DenseNetSpec:
    """`spec` with a copy of miniblock `after` (same growth, a fresh id) inserted right after it, in the
    same block."""
    unit = unit_at(spec, after, "deepen")
    if unit.kind != MINIBLOCK:
        raise ValueError(
            f"deepen: unit {after} is {unit.token()!r}; a DenseNet deepens after a miniblock (a 'g' token), "
            "which the new miniblock copies"
        )
    new = DenseUnitSpec(MINIBLOCK, unit.width, spec.next_layer_id())
    return spec.replace_layers((*spec.layers[: after + 1], new, *spec.layers[after + 1 :]))


def transition_targets(spec: DenseNetSpec, compression: float = DEFAULT_COMPRESSION) -> list[tuple[int, int]]:
    """(index, width) of every transition narrower than `compression` x its input channels, the width it
    should grow to; widening them after an episode keeps DenseNet-BC's compression as blocks grow."""
    if not 0.0 < compression <= 1.0:
        raise ValueError(f"compression must be in (0, 1], got {compression}")
    targets: list[tuple[int, int]] = []
    current = spec
    for index, unit in enumerate(spec.layers):
        if unit.kind != TRANSITION:
            continue
        # Widening one transition grows the next block's input, so each target is read after the
        # earlier ones are applied.
        wanted = max(1, int(compression * current.input_channels()[index]))
        if wanted > unit.width:
            targets.append((index, wanted))
            current = widen_unit(current, index, wanted)
    return targets


def unit_at(spec: DenseNetSpec, index: int, action: str) -> DenseUnitSpec:
    """The unit at `index`, or a `ValueError` naming the valid range."""
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(spec.layers):
        raise ValueError(
            f"{action}: unit index {index!r} is out of range; {spec.to_string()!r} has units 0..{len(spec.layers) - 1}"
        )
    return spec.layers[index]
