"""`ActionSpace`: what the wider and deeper actions may do (width ladders, kernels, size limits).

Widths move one rung up a discrete ladder per wider action, as in EAS. A deeper action inserts a
layer after the layer at `position` of block `block` (positions count the block's weighted layers).
Both the controller's masks and the random baselines read their choices from here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from eas.spec.layers import CONV, FC, KERNEL_SIZES, LayerSpec
from eas.spec.network import NetSpec

PAPER_FILTERS = (16, 32, 64, 96, 128, 192, 256, 320, 384, 448, 512)
PAPER_UNITS = (64, 128, 256, 384, 512, 640, 768, 896, 1024)


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

    def __post_init__(self) -> None:
        for name in ("filter_widths", "unit_widths", "kernel_sizes"):
            values = tuple(int(v) for v in getattr(self, name))
            object.__setattr__(self, name, values)
            if not values or list(values) != sorted(set(values)) or values[0] < 1:
                raise ValueError(f"ActionSpace.{name} must be a non-empty increasing list of positive ints")
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

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return {
            "filter_widths": list(self.filter_widths),
            "unit_widths": list(self.unit_widths),
            "kernel_sizes": list(self.kernel_sizes),
            "max_layers_per_block": self.max_layers_per_block,
            "max_weighted_layers": self.max_weighted_layers,
            "max_params": self.max_params,
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
    def ladder(self, layer: LayerSpec) -> tuple[int, ...]:
        """The width ladder of a layer's kind (empty for pools)."""
        if layer.kind == CONV:
            return self.filter_widths
        if layer.kind == FC:
            return self.unit_widths
        return ()

    def next_width(self, layer: LayerSpec) -> int | None:
        """The next rung above the layer's width, or None if it is at the top (or not weighted)."""
        for width in self.ladder(layer):
            if width > layer.width:
                return width
        return None

    def widen_mask(self, spec: NetSpec) -> tuple[bool, ...]:
        """For each layer: may a wider action apply to it (weighted, below the top, within max_params)?"""
        mask = []
        for index, layer in enumerate(spec.layers):
            width = self.next_width(layer)
            allowed = width is not None
            if allowed and self.max_params is not None:
                assert width is not None
                layers = list(spec.layers)
                layers[index] = layer.with_width(width)
                allowed = spec.replace_layers(tuple(layers)).num_params() <= self.max_params
            mask.append(allowed)
        return tuple(mask)

    # ----- deeper --------------------------------------------------------------------------------
    def deepen_targets(self, spec: NetSpec) -> tuple[DeepenTarget, ...]:
        """Every place a deeper action may insert a layer, with the kernels allowed there."""
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

    def _fits(self, spec: NetSpec, after: int, kernel_size: int) -> bool:
        if self.max_params is None:
            return True
        layer = spec.layers[after]
        new = LayerSpec(layer.kind, layer.width, kernel_size, spec.next_layer_id())
        layers = (*spec.layers[: after + 1], new, *spec.layers[after + 1 :])
        return spec.replace_layers(layers).num_params() <= self.max_params
