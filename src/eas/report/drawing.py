"""A network drawn as boxes, left to right: one box per layer (or DenseNet unit), its height growing with
the layer's width, pools as thin bars, blocks shaded behind their layers, and the classifier last."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from eas.report.style import png_bytes, pyplot, run_colour
from eas.spec import DenseNetSpec, NetSpec, Spec
from eas.spec.dense import MINIBLOCK, STEM
from eas.spec.layers import CONV, FC

_BOX_WIDTH = 0.8
_POOL_WIDTH = 0.25
_GAP = 0.15


@dataclass(frozen=True)
class Box:
    """One drawn unit: its label, width in units (0 for pools), block number (None: not in a block)
    and kind (`conv`, `fc`, `pool`, `stem`, `miniblock`, `transition`, `classifier`)."""

    label: str
    width: int
    block: int | None
    kind: str


def network_boxes(spec: Spec) -> list[Box]:
    """The boxes of `spec` in order, the classifier last."""
    boxes = _dense_boxes(spec) if isinstance(spec, DenseNetSpec) else _plain_boxes(spec)
    return [*boxes, Box(f"classifier\n{spec.num_classes}", spec.num_classes, None, "classifier")]


def _plain_boxes(spec: NetSpec) -> list[Box]:
    block_of = {index: block.index for block in spec.blocks() for index in block.layer_indices}
    boxes = []
    for index, layer in enumerate(spec.layers):
        if layer.kind == CONV:
            label = f"conv {layer.width}\n{layer.kernel_size}x{layer.kernel_size}"
        elif layer.kind == FC:
            label = f"fc {layer.width}"
        else:
            label = layer.kind
        boxes.append(Box(label, layer.width, block_of.get(index), layer.kind if layer.is_weighted else "pool"))
    return boxes


def _dense_boxes(spec: DenseNetSpec) -> list[Box]:
    block_of = {index: block.index for block in spec.blocks() for index in block.miniblocks}
    boxes = []
    for index, unit in enumerate(spec.layers):
        if unit.kind == STEM:
            boxes.append(Box(f"stem {unit.width}\n3x3", unit.width, None, "stem"))
        elif unit.kind == MINIBLOCK:
            boxes.append(Box(f"g{unit.width}", unit.width, block_of.get(index), "miniblock"))
        else:
            boxes.append(Box(f"trans {unit.width}\n+pool", unit.width, None, "transition"))
    return boxes


def network_figure(spec: Spec, title: str) -> bytes:
    """`spec` drawn as a row of boxes; box heights grow with the square root of the width."""
    boxes = network_boxes(spec)
    plt = pyplot()
    figure, axis = plt.subplots(figsize=(max(6.0, 0.75 * len(boxes) + 1.5), 3.0))
    widest = max((box.width for box in boxes), default=1) or 1
    x = 0.0
    spans: dict[int, list[float]] = {}
    for box in boxes:
        is_bar = box.kind == "pool"
        size = _POOL_WIDTH if is_bar else _BOX_WIDTH
        height = 1.0 if is_bar else 0.25 + 0.75 * math.sqrt(max(box.width, 1) / widest)
        _draw_box(axis, x, size, height, box)
        if box.block is not None:
            spans.setdefault(box.block, [x, x + size])[1] = x + size
        x += size + _GAP
    for block, (left, right) in spans.items():
        axis.add_patch(_rectangle((left - 0.06, -0.62), right - left + 0.12, 1.24, run_colour(block), alpha=0.12))
        axis.text((left + right) / 2, -0.7, _block_name(spec, block), ha="center", va="top", fontsize=8)
    axis.set_xlim(-0.3, x)
    axis.set_ylim(-0.95, 0.75)
    axis.set_axis_off()
    axis.set_title(title, fontsize=9)
    return png_bytes(figure)


def _block_name(spec: Spec, block: int) -> str:
    """`block 1`, or `fc block` for the fully connected layers after the global pool."""
    if isinstance(spec, NetSpec) and spec.blocks()[block].kind == FC:
        return "fc block"
    return f"block {block}"


def _draw_box(axis: Any, x: float, size: float, height: float, box: Box) -> None:
    colour = {"pool": "#555555", "classifier": "#bbbbbb", "transition": "#999999"}.get(box.kind, "#9ecae1")
    axis.add_patch(_rectangle((x, -height / 2), size, height, colour, alpha=0.9, edge="black"))
    if box.kind == "pool":
        axis.text(x + size / 2, 0.58, box.label, ha="center", va="bottom", fontsize=7, rotation=90)
    else:
        axis.text(x + size / 2, 0.0, box.label, ha="center", va="center", fontsize=7)


def _rectangle(corner: tuple[float, float], width: float, height: float, colour: str, **style: Any) -> Any:
    from matplotlib.patches import Rectangle

    edge = style.pop("edge", "none")
    return Rectangle(corner, width, height, facecolor=colour, edgecolor=edge, linewidth=0.6, **style)
