"""`ActionSpace`: what the wider and deeper actions may do (width ladders, kernels, size limits).

Widths move one rung up a discrete ladder per wider action, as in EAS. A deeper action inserts a
layer after the layer at `position` of block `block` (positions count the block's weighted layers).
On a DenseNet the wider ladder is the growth rate of a miniblock, a deeper action copies a miniblock
(no kernel choice), and every child ends with its transitions widened back to `compression`.
Both the controller's masks and the random baselines read their choices from here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from eas.spec.any_spec import Spec
from eas.spec.dense import DEFAULT_COMPRESSION, MINIBLOCK, DenseNetSpec, DenseUnitSpec
from eas.spec.dense_edits import insert_miniblock, transition_targets
from eas.spec.edits import Edit
from eas.spec.layers import CONV, FC, KERNEL_SIZES, LayerSpec
from eas.spec.limits import MAX_GROWTH, MAX_LAYERS, MAX_WIDTH, check_limit
from eas.spec.network import NetSpec

PAPER_FILTERS = (16, 32, 64, 96, 128, 192, 256, 320, 384, 448, 512)
PAPER_UNITS = (64, 128, 256, 384, 512, 640, 768, 896, 1024)
# The paper does not list its DenseNet growth choices; this ladder spans the growth rates of the
# DenseNet-BC family it starts from (12) up to four times that.
PAPER_GROWTHS = (12, 16, 20, 24, 32, 40, 48)


@dataclass(frozen=True)
class DeepenTarget:
    """Where a deeper action may insert: after layer `after` (index in spec.layers)."""

    block: int
    position: int
    after: int
    kernels: tuple[int, ...]


@dataclass(frozen=True)
class ActionSpace:
    """Discrete choices and limits of the network transformations."""

    filter_widths: tuple[int, ...] = PAPER_FILTERS
    unit_widths: tuple[int, ...] = PAPER_UNITS
    kernel_sizes: tuple[int, ...] = KERNEL_SIZES
    max_layers_per_block: int = 8
    max_weighted_layers: int = 20
    max_params: int | None = None
    growth_widths: tuple[int, ...] = ()
    compression: float = DEFAULT_COMPRESSION

    def __post_init__(self) -> None:
        for name in ("filter_widths", "unit_widths", "kernel_sizes", "growth_widths"):
            values = tuple(int(v) for v in getattr(self, name))
            object.__setattr__(self, name, values)
            if name == "growth_widths" and not values:
                continue  # a plain-CNN space: no DenseNet growth ladder
            if not values or list(values) != sorted(set(values)) or values[0] < 1:
                raise ValueError(f"ActionSpace.{name} must be a non-empty increasing list of positive ints")
        # The ladders must stay within the sizes a spec accepts, or a search would fail mid-run.
        for name, limit in (("filter_widths", MAX_WIDTH), ("unit_widths", MAX_WIDTH), ("growth_widths", MAX_GROWTH)):
            values = getattr(self, name)
            if values:
                check_limit(values[-1], limit, f"ActionSpace.{name}", "a spec refuses larger layers")
        check_limit(self.max_weighted_layers, MAX_LAYERS, "ActionSpace.max_weighted_layers", "a spec's layer limit")
        if not 0.0 < self.compression <= 1.0:
            raise ValueError(f"ActionSpace.compression must be in (0, 1], got {self.compression}")
        bad = [k for k in self.kernel_sizes if k not in KERNEL_SIZES]
        if bad:
            raise ValueError(f"ActionSpace.kernel_sizes: {bad} not allowed; choose from {KERNEL_SIZES}")
        if self.max_layers_per_block < 1 or self.max_weighted_layers < 1:
            raise ValueError("ActionSpace.max_layers_per_block and max_weighted_layers must be >= 1")
        if self.max_params is not None and self.max_params < 1:
            raise ValueError(
                f"ActionSpace.max_params must be a positive number of parameters or None, got {self.max_params}"
            )

    @classmethod
    def paper(cls) -> ActionSpace:
        """The paper's ladders: filters 16..512, units 64..1024."""
        return cls()

    @classmethod
    def cpu(cls) -> ActionSpace:
        """A smaller space for searches on a few CPU cores."""
        return cls(
            filter_widths=(16, 24, 32, 48, 64, 96, 128),
            unit_widths=(32, 64, 128, 256),
            max_layers_per_block=4,
            max_weighted_layers=12,
        )

    @classmethod
    def densenet_paper(cls) -> ActionSpace:
        """DenseNet-BC on a GPU: growth rates 12..48, up to 32 miniblocks per block."""
        return cls(growth_widths=PAPER_GROWTHS, max_layers_per_block=32, max_weighted_layers=100)

    @classmethod
    def densenet_cpu(cls) -> ActionSpace:
        """A small DenseNet space for a few CPU cores."""
        return cls(growth_widths=(8, 12, 16, 20, 24), max_layers_per_block=6, max_weighted_layers=16)

    @property
    def has_densenet(self) -> bool:
        """True when the space has a growth ladder, so it can act on DenseNets."""
        return bool(self.growth_widths)

    def check_spec(self, spec: Spec) -> None:
        """A `ValueError` when this space cannot act on `spec` (a DenseNet needs a growth ladder)."""
        if isinstance(spec, DenseNetSpec) and not self.has_densenet:
            raise ValueError(
                "this action space has no DenseNet growth ladder (growth_widths); use ActionSpace.densenet_cpu() "
                "or the search's --space densenet"
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "filter_widths": list(self.filter_widths),
            "unit_widths": list(self.unit_widths),
            "kernel_sizes": list(self.kernel_sizes),
            "max_layers_per_block": self.max_layers_per_block,
            "max_weighted_layers": self.max_weighted_layers,
            "max_params": self.max_params,
            "growth_widths": list(self.growth_widths),
            "compression": self.compression,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ActionSpace:
        """Inverse of `to_dict`."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown ActionSpace fields {sorted(unknown)}; known: {sorted(cls.__dataclass_fields__)}")
        values: dict[str, Any] = {key: tuple(v) if isinstance(v, list) else v for key, v in data.items()}
        return replace(cls(), **values)

    # ----- wider ---------------------------------------------------------------------------------
    def ladder(self, layer: LayerSpec | DenseUnitSpec) -> tuple[int, ...]:
        """The width ladder of a layer's kind (empty for pools, a DenseNet's stem and transitions)."""
        if isinstance(layer, DenseUnitSpec):
            return self.growth_widths if layer.kind == MINIBLOCK else ()
        if layer.kind == CONV:
            return self.filter_widths
        if layer.kind == FC:
            return self.unit_widths
        return ()

    def next_width(self, layer: LayerSpec | DenseUnitSpec) -> int | None:
        """The next rung above the layer's width, or None if it is at the top (or not weighted)."""
        for width in self.ladder(layer):
            if width > layer.width:
                return width
        return None

    def widen_mask(self, spec: Spec) -> tuple[bool, ...]:
        """For each layer: may a wider action apply to it (weighted, below the top, within max_params)?"""
        self.check_spec(spec)
        mask = []
        for index in range(len(spec.layers)):
            layer = spec.layers[index]
            width = self.next_width(layer)
            allowed = width is not None
            if allowed and self.max_params is not None:
                assert width is not None
                layers: list[Any] = list(spec.layers)
                layers[index] = layer.with_width(width)
                allowed = spec.replace_layers(tuple(layers)).num_params() <= self.max_params
            mask.append(allowed)
        return tuple(mask)

    # ----- deeper --------------------------------------------------------------------------------
    def deepen_targets(self, spec: Spec) -> tuple[DeepenTarget, ...]:
        """Every place a deeper action may insert a layer, with the kernels allowed there."""
        self.check_spec(spec)
        if isinstance(spec, DenseNetSpec):
            return self._dense_targets(spec)
        weighted = sum(layer.is_weighted for layer in spec.layers)
        if weighted >= self.max_weighted_layers:
            return ()
        targets = []
        for block in spec.blocks():
            if len(block.layer_indices) >= self.max_layers_per_block:
                continue
            for position, after in enumerate(block.layer_indices):
                if block.kind == CONV:
                    # Under max_params a place keeps only the kernels that fit; it goes when none does.
                    kernels = tuple(k for k in self.kernel_sizes if self._fits(spec, after, k))
                    if not kernels:
                        continue
                elif not self._fits(spec, after, 0):
                    continue
                else:
                    kernels = ()
                targets.append(DeepenTarget(block.index, position, after, kernels))
        return tuple(targets)

    def _dense_targets(self, spec: DenseNetSpec) -> tuple[DeepenTarget, ...]:
        """After any miniblock of a block with room; a copied miniblock has no kernel to choose."""
        miniblocks = sum(unit.kind == MINIBLOCK for unit in spec.layers)
        if miniblocks >= self.max_weighted_layers:
            return ()
        targets = []
        for block in spec.blocks():
            if len(block.miniblocks) >= self.max_layers_per_block:
                continue
            for position, after in enumerate(block.miniblocks):
                if self.max_params is None or insert_miniblock(spec, after).num_params() <= self.max_params:
                    targets.append(DeepenTarget(block.index, position, after, ()))
        return tuple(targets)

    # ----- after an episode's actions ------------------------------------------------------------
    def closing_edits(self, spec: Spec) -> list[Edit]:
        """Edits every child gets after its actions: a DenseNet's transitions widened back to
        `compression` x their input channels (none for a plain network)."""
        if not isinstance(spec, DenseNetSpec):
            return []
        return [Edit.widen(index, width) for index, width in transition_targets(spec, self.compression)]

    def _fits(self, spec: NetSpec, after: int, kernel_size: int) -> bool:
        if self.max_params is None:
            return True
        layer = spec.layers[after]
        new = LayerSpec(layer.kind, layer.width, kernel_size, spec.next_layer_id())
        layers = (*spec.layers[: after + 1], new, *spec.layers[after + 1 :])
        return spec.replace_layers(layers).num_params() <= self.max_params
