"""Edits: the one description of a wider or deeper step, and their effect on the architecture.

`Edit` is what the controller and the random samplers emit, what the store records for each trial
and what `eas grow` applies. `edited_spec` gives the architecture an edit list leads to without
touching weights; `eas.transforms.apply_edits` applies the same list to spec and weights.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from eas.spec.any_spec import Spec
from eas.spec.dense import DenseNetSpec
from eas.spec.dense_edits import insert_miniblock, widen_unit
from eas.spec.layers import CONV, FC, KERNEL_SIZES, LayerSpec
from eas.spec.network import NetSpec

WIDEN = "widen"
DEEPEN = "deepen"
EDIT_KINDS = (WIDEN, DEEPEN)
# The kernel of an inserted conv when nobody chose one (`eas grow --deepen 2` style calls).
DEFAULT_KERNEL = 3
# The value a deeper edit records when it inserts an fc layer, which has no kernel.
NO_KERNEL = 0


@dataclass(frozen=True)
class Edit:
    """Widen layer `index` to `value` units, or insert a layer after layer `index` with kernel
    `value` (`NO_KERNEL` when the new layer is an fc layer)."""

    kind: str
    index: int
    value: int

    def __post_init__(self) -> None:
        if self.kind not in EDIT_KINDS:
            raise ValueError(f"edit kind must be one of {EDIT_KINDS}, got {self.kind!r}")
        for name in ("index", "value"):
            number = getattr(self, name)
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                raise ValueError(f"{self.kind} edit: {name} must be a non-negative integer, got {number!r}")

    @classmethod
    def widen(cls, index: int, width: int) -> Edit:
        """Widen layer `index` to `width` units."""
        return cls(WIDEN, index, width)

    @classmethod
    def deepen(cls, after: int, kernel_size: int | None = DEFAULT_KERNEL) -> Edit:
        """Insert a layer after layer `after` (`kernel_size` None or 0 for an fc layer)."""
        return cls(DEEPEN, after, NO_KERNEL if kernel_size is None else kernel_size)

    def to_json(self) -> list[object]:
        """[kind, index, value], the form the trial store keeps."""
        return [self.kind, self.index, self.value]

    @classmethod
    def from_json(cls, data: object) -> Edit:
        """Inverse of `to_json`; anything else is a `ValueError` that shows what was given."""
        if not isinstance(data, list | tuple) or len(data) != 3:
            raise ValueError(f"an edit is [kind, index, value], got {data!r}")
        kind, index, value = data
        if not isinstance(index, int) or not isinstance(value, int):
            raise ValueError(f"an edit's index and value must be integers, got {data!r}")
        return cls(str(kind), index, value)

    def describe(self) -> str:
        """`widen 0:32` or `deepen 2:3`, as `eas grow` spells its options."""
        return f"{self.kind} {self.index}:{self.value}"


def apply_edit(spec: Spec, edit: Edit) -> Spec:
    """The architecture after one edit; a `ValueError` when the edit is not legal on `spec`.

    On a DenseNet, widen sets a unit's width (a miniblock's growth) and deepen copies a miniblock; a
    deeper edit there has no kernel (`NO_KERNEL`)."""
    if isinstance(spec, DenseNetSpec):
        if edit.kind == WIDEN:
            return widen_unit(spec, edit.index, edit.value)
        if edit.value != NO_KERNEL:
            raise ValueError(f"deepen on a DenseNet copies a miniblock and takes no kernel; got {edit.describe()}")
        return insert_miniblock(spec, edit.index)
    if edit.kind == WIDEN:
        return widen_layer(spec, edit.index, edit.value)
    return insert_identity_layer(spec, edit.index, edit.value)


def edited_spec(spec: Spec, edits: Iterable[Edit]) -> Spec:
    """The architecture after every edit in order (no weights involved)."""
    for edit in edits:
        spec = apply_edit(spec, edit)
    return spec


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


def insert_identity_layer(spec: NetSpec, after: int, kernel_size: int = DEFAULT_KERNEL) -> NetSpec:
    """`spec` with a new layer as wide as layer `after` inserted right after it (conv: with
    `kernel_size`; fc: the kernel is ignored). The new layer gets a fresh id."""
    layer = _weighted_layer(spec, after, "deepen")
    if layer.kind == CONV:
        if isinstance(kernel_size, bool) or not isinstance(kernel_size, int) or kernel_size not in KERNEL_SIZES:
            raise ValueError(
                f"deepen: kernel_size must be one of {KERNEL_SIZES} (odd, so the identity tap is centred), "
                f"got {kernel_size!r}"
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
