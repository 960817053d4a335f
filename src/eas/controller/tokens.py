"""The controller's vocabulary: one token per (layer kind, ladder width, kernel), and spec encoding.

Tokens are built from an `ActionSpace`, so every width an action can produce has its own token.
A width that is not on the ladder (a hand-written start network, say `conv-20-3`) shares the token
of the nearest rung at or below it, or of the lowest rung when it is below the whole ladder.
A space with a growth ladder adds the DenseNet tokens: `g<growth>` per rung, `stem` and `t`.
"""

from __future__ import annotations

import bisect

import torch

from eas.spec import KERNEL_SIZES, ActionSpace, DenseUnitSpec, LayerSpec, Spec
from eas.spec.dense import MINIBLOCK, STEM, TRANSITION
from eas.spec.layers import CONV, FC, POOL_KINDS


class TokenVocabulary:
    """Maps layers to token indices: `conv-<w>-<k>` for every filter width and kernel, `fc-<u>`, pools."""

    def __init__(self, action_space: ActionSpace) -> None:
        self.filter_widths = action_space.filter_widths
        self.unit_widths = action_space.unit_widths
        # Every kernel the spec allows, not only the action space's: a start network may use others.
        tokens = [f"conv-{width}-{kernel}" for width in self.filter_widths for kernel in KERNEL_SIZES]
        tokens += [f"fc-{units}" for units in self.unit_widths]
        tokens += list(POOL_KINDS)
        self.growth_widths = action_space.growth_widths
        if self.growth_widths:
            tokens += [f"{MINIBLOCK}{growth}" for growth in self.growth_widths] + [STEM, TRANSITION]
        self.tokens: tuple[str, ...] = tuple(tokens)
        self._index = {token: index for index, token in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def token_of(self, layer: LayerSpec | DenseUnitSpec) -> str:
        """The vocabulary token standing for `layer` (off-ladder widths snap down to a rung)."""
        if isinstance(layer, DenseUnitSpec):
            if not self.growth_widths:
                raise ValueError("a DenseNet unit needs a vocabulary built from an action space with growth_widths")
            if layer.kind == MINIBLOCK:
                return f"{MINIBLOCK}{_rung_at_or_below(self.growth_widths, layer.width)}"
            return layer.kind
        if layer.kind == CONV:
            return f"conv-{_rung_at_or_below(self.filter_widths, layer.width)}-{layer.kernel_size}"
        if layer.kind == FC:
            return f"fc-{_rung_at_or_below(self.unit_widths, layer.width)}"
        return layer.kind

    def index_of(self, layer: LayerSpec | DenseUnitSpec) -> int:
        """Index of `layer`'s token."""
        return self._index[self.token_of(layer)]

    def encode(self, spec: Spec, device: torch.device | None = None) -> torch.Tensor:
        """Token indices of the spec's layers (the classifier is not a layer of the spec), shape (layers,)."""
        return torch.tensor([self.index_of(layer) for layer in spec.layers], dtype=torch.long, device=device)


def _rung_at_or_below(ladder: tuple[int, ...], width: int) -> int:
    position = bisect.bisect_right(ladder, width) - 1
    return ladder[max(position, 0)]
