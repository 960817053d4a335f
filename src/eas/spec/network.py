"""`NetSpec`: a plain CNN as pure data (layers, input shape, classes), with its rules and sizes.

Rules (checked on construction, each broken rule is a `ValueError` naming the token):
- at least one conv layer, and convs and pools only before the single `gap`;
- `gap` is required (the classifier always reads globally pooled features) and appears once;
- `fc` layers only after `gap`; nothing but `fc` after `gap`;
- a 2x2 pool needs a feature map of at least 2x2 (it floors odd sizes, as PyTorch does).
Blocks are delimited by the pooling layers, the global pool included; the fc layers form the last
block, as in EAS.
"""

from __future__ import annotations

from dataclasses import dataclass

from eas.spec.common import SpecCommon
from eas.spec.layers import CONV, FC, GLOBAL_POOL, LayerSpec
from eas.spec.limits import MAX_LAYERS, check_input_shape, check_limit

# The start network of the README: small enough to train in a minute on two CPU cores.
DEFAULT_ARCH = "conv-16-3 pool conv-32-3 pool conv-64-3 gap fc-64"


@dataclass(frozen=True)
class Block:
    """A run of weighted layers ended by a pool (`end` is that pool's index; None for the fc block)."""

    index: int
    kind: str
    layer_indices: tuple[int, ...]
    end: int | None


@dataclass(frozen=True)
class NetSpec(SpecCommon):
    """A plain CNN: `layers` in order, `input_shape` (C, H, W) and `num_classes` of the classifier."""

    layers: tuple[LayerSpec, ...]
    input_shape: tuple[int, int, int] = (1, 28, 28)
    num_classes: int = 10

    def __post_init__(self) -> None:
        if isinstance(self.layers, str) or not isinstance(self.layers, tuple | list):
            raise ValueError(f"layers must be a tuple of LayerSpec, got {type(self.layers).__name__}")
        object.__setattr__(self, "layers", tuple(self.layers))
        input_shape, num_classes = check_input_shape(self.input_shape, self.num_classes)
        object.__setattr__(self, "input_shape", input_shape)
        object.__setattr__(self, "num_classes", num_classes)
        _validate(self)

    # ----- text and JSON -------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str, input_shape: tuple[int, int, int] = (1, 28, 28), num_classes: int = 10) -> NetSpec:
        """Parse a space-separated token string; layer ids are assigned 0, 1, 2, ... in order."""
        if not isinstance(text, str):
            raise ValueError(f"an architecture is a string of tokens, got {type(text).__name__}")
        tokens = text.split()
        if not tokens:
            raise ValueError("empty architecture: give tokens such as 'conv-16-3 pool conv-32-3 gap'")
        # Checked before parsing, so that a pasted megabyte of tokens fails at once.
        check_limit(len(tokens), MAX_LAYERS, "number of layers", "deeper than any published CNN")
        layers = tuple(LayerSpec.from_token(token, layer_id=i) for i, token in enumerate(tokens))
        return cls(layers, input_shape, num_classes)

    def to_string(self) -> str:
        """The token string (ids are not part of it; it is the architecture's cache key)."""
        return " ".join(layer.token() for layer in self.layers)

    # ----- structure -----------------------------------------------------------------------------
    def replace_layers(self, layers: tuple[LayerSpec, ...]) -> NetSpec:
        """A new spec with other layers and the same input shape and classes."""
        return NetSpec(tuple(layers), self.input_shape, self.num_classes)

    def index_of_id(self, layer_id: int) -> int:
        """Position in `layers` of the layer with this id."""
        for index, layer in enumerate(self.layers):
            if layer.layer_id == layer_id:
                return index
        raise KeyError(f"no layer has id {layer_id}")

    def blocks(self) -> tuple[Block, ...]:
        """Runs of weighted layers ended by each pool; the fc layers after `gap` form the last block
        (present only when there are fc layers)."""
        blocks: list[Block] = []
        current: list[int] = []
        for index, layer in enumerate(self.layers):
            if layer.is_pool:
                blocks.append(Block(len(blocks), CONV, tuple(current), index))
                current = []
            elif layer.is_weighted:
                current.append(index)
        if current:
            blocks.append(Block(len(blocks), FC, tuple(current), None))
        return tuple(blocks)

    def next_weighted(self, index: int) -> int | None:
        """Index of the first weighted layer after `index` (None means the classifier)."""
        for later in range(index + 1, len(self.layers)):
            if self.layers[later].is_weighted:
                return later
        return None

    def feature_shapes(self) -> tuple[tuple[int, ...], ...]:
        """Output shape of every layer for one image: (C, H, W) before `gap`, (units,) after."""
        return _shapes(self.layers, self.input_shape)

    def classifier_in_features(self) -> int:
        """Number of inputs of the final linear classifier."""
        return self.feature_shapes()[-1][0]

    def num_params(self) -> int:
        """Trainable parameters: weights, BatchNorm scale and shift, classifier weight and bias."""
        total = 0
        channels = self.input_shape[0]
        for layer, shape in zip(self.layers, self.feature_shapes(), strict=True):
            if layer.kind == CONV:
                total += channels * layer.width * layer.kernel_size**2 + 2 * layer.width
            elif layer.kind == FC:
                total += channels * layer.width + 2 * layer.width
            channels = shape[0]
        return total + channels * self.num_classes + self.num_classes

    def flops(self) -> int:
        """Forward FLOPs for one image, counting a multiply-add as 2 (conv and linear layers only)."""
        total = 0
        channels = self.input_shape[0]
        for layer, shape in zip(self.layers, self.feature_shapes(), strict=True):
            if layer.kind == CONV:
                total += 2 * channels * layer.width * layer.kernel_size**2 * shape[1] * shape[2]
            elif layer.kind == FC:
                total += 2 * channels * layer.width
            channels = shape[0]
        return total + 2 * channels * self.num_classes


def _shapes(layers: tuple[LayerSpec, ...], input_shape: tuple[int, int, int]) -> tuple[tuple[int, ...], ...]:
    channels, height, width = input_shape
    shapes: list[tuple[int, ...]] = []
    pooled = False
    for layer in layers:
        if layer.kind == CONV or layer.kind == FC:
            channels = layer.width
        elif layer.kind == GLOBAL_POOL:
            pooled = True
        else:
            height, width = height // 2, width // 2
        shapes.append((channels,) if pooled else (channels, height, width))
    return tuple(shapes)


def _validate(spec: NetSpec) -> None:
    if not spec.layers:
        raise ValueError("a network needs at least one layer, e.g. 'conv-16-3 gap'")
    check_limit(len(spec.layers), MAX_LAYERS, "number of layers", "deeper than any published CNN")
    for layer in spec.layers:
        if not isinstance(layer, LayerSpec):
            raise ValueError(f"layers must be LayerSpec objects, got {type(layer).__name__}")
    ids = [layer.layer_id for layer in spec.layers]
    if len(set(ids)) != len(ids):
        raise ValueError(f"layer ids must be unique, got {ids}")
    seen_gap = False
    seen_conv = False
    height, width = spec.input_shape[1:]
    for position, layer in enumerate(spec.layers):
        where = f"token {position} {layer.token()!r}"
        if layer.kind == GLOBAL_POOL:
            if seen_gap:
                raise ValueError(f"{where}: only one 'gap' is allowed")
            if not seen_conv:
                raise ValueError(f"{where}: 'gap' needs a conv layer before it")
            seen_gap = True
        elif seen_gap:
            if layer.kind != FC:
                raise ValueError(f"{where}: only fc layers may follow 'gap' (convs and pools go before it)")
        elif layer.kind == FC:
            raise ValueError(f"{where}: fc layers must come after 'gap' (which flattens the feature map)")
        elif layer.kind == CONV:
            seen_conv = True
        else:
            if height < 2 or width < 2:
                raise ValueError(
                    f"{where}: the feature map is {height}x{width} here and a 2x2 pool would shrink it "
                    "below 1x1; remove a pool or use larger inputs"
                )
            height, width = height // 2, width // 2
    if not seen_gap:
        raise ValueError("the network needs a 'gap' (global average pool) after its last conv, before any fc")
