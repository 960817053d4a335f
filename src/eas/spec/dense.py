"""`DenseNetSpec`: a DenseNet-BC as pure data (stem, miniblocks, transitions), with its rules and sizes.

Written forms, both starting with `densenet-bc`:
- explicit, one token per unit, what `to_string()` writes and the controller reads:
  `densenet-bc stem24 g12 g12 t24 g12 g12` (a 3x3 stem conv of 24 channels; miniblocks of growth 12,
  each BN-ReLU-1x1 conv to 4 x growth, BN-ReLU-3x3 conv to growth, concatenated onto the block's
  features; a transition BN-ReLU-1x1 conv to 24 channels and a 2x2 average pool between blocks);
- shorthand: `densenet-bc depth=40 growth=12 blocks=3` (optional `compression=0.5`, `stem=<channels>`,
  default twice the growth), expanded to the explicit form as DenseNet-BC does.
A final BN-ReLU, global average pool and linear classifier follow the last block in every network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eas.spec.common import SpecCommon
from eas.spec.limits import (
    MAX_DENSE_DEPTH,
    MAX_GROWTH,
    MAX_LAYER_ID,
    MAX_LAYERS,
    MAX_WIDTH,
    check_input_shape,
    check_limit,
    parse_token_number,
    strict_int,
)

DENSE_KEYWORD = "densenet-bc"
STEM = "stem"
MINIBLOCK = "g"
TRANSITION = "t"
DENSE_KINDS = (STEM, MINIBLOCK, TRANSITION)
# DenseNet-BC's bottleneck: the 1x1 conv of a miniblock has 4 x growth output channels.
BOTTLENECK_FACTOR = 4
DEFAULT_COMPRESSION = 0.5
STEM_KERNEL = 3
MINIBLOCK_KERNEL = 3

DENSE_TOKEN_HELP = (
    "write 'densenet-bc' then stem<channels>, g<growth> per miniblock and t<channels> between blocks, e.g. "
    "'densenet-bc stem24 g12 g12 t24 g12 g12', or the shorthand 'densenet-bc depth=40 growth=12 blocks=3'"
)
WIDTH_REASON = "wider than any published network's layers"
GROWTH_REASON = "DenseNet-BC uses growth rates of 12 to 48"
SHORTHAND_KEYS = ("depth", "growth", "blocks", "compression", "stem")
# ASCII digits only: `\d` would also match other scripts' digits, which no architecture string uses.
_UNIT_PATTERN = re.compile(r"(stem|g|t)(-?\d+)", re.ASCII)


@dataclass(frozen=True)
class DenseUnitSpec:
    """One unit: the stem conv, a miniblock (`width` is its growth rate) or a transition (`width` is its
    output channels). `layer_id` is stable through transformations and names the unit's weights."""

    kind: str
    width: int
    layer_id: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or self.kind not in DENSE_KINDS:
            raise ValueError(f"DenseNet unit kind {self.kind!r} is unknown; {DENSE_TOKEN_HELP}")
        if isinstance(self.width, bool) or not isinstance(self.width, int) or self.width < 1:
            raise ValueError(f"token {self.kind}{self.width}: the width must be a positive integer")
        if self.kind == MINIBLOCK:
            check_limit(self.width, MAX_GROWTH, f"token {self.token()!r}: growth rate", GROWTH_REASON)
        else:
            check_limit(self.width, MAX_WIDTH, f"token {self.token()!r}: channels", WIDTH_REASON)
        object.__setattr__(self, "layer_id", strict_int(self.layer_id, f"unit {self.token()!r}'s layer_id"))
        if self.layer_id < 0:
            raise ValueError(f"layer_id must be >= 0, got {self.layer_id}")
        check_limit(self.layer_id, MAX_LAYER_ID, "layer_id", "ids grow by one per inserted unit")

    @property
    def is_weighted(self) -> bool:
        """Every unit owns weights (kept for code shared with plain layers)."""
        return True

    @property
    def is_pool(self) -> bool:
        """Transitions close a block, as pools do in the plain space."""
        return self.kind == TRANSITION

    def token(self) -> str:
        """`stem24`, `g12` or `t48`."""
        return f"{self.kind}{self.width}"

    def with_width(self, width: int) -> DenseUnitSpec:
        """The same unit (same id) with another width."""
        return DenseUnitSpec(self.kind, width, self.layer_id)

    @classmethod
    def from_token(cls, token: str, layer_id: int = 0) -> DenseUnitSpec:
        """Parse one explicit token; a `ValueError` names the token and what is allowed."""
        match = _UNIT_PATTERN.fullmatch(token) if isinstance(token, str) else None
        if match is None:
            raise ValueError(f"unknown DenseNet token {token!r}; {DENSE_TOKEN_HELP}")
        kind = match.group(1)
        if kind == MINIBLOCK:
            width = parse_token_number(match.group(2), token, "growth rate", MAX_GROWTH, GROWTH_REASON)
        else:
            width = parse_token_number(match.group(2), token, "channels", MAX_WIDTH, WIDTH_REASON)
        if width < 1:
            raise ValueError(f"token {token!r}: the number must be a positive integer")
        return cls(kind, width, layer_id)


@dataclass(frozen=True)
class DenseBlock:
    """A dense block: `producer` is the unit whose output starts its features (the stem or the
    transition before it), `miniblocks` its miniblock indices, `end` the transition after it (None: the
    final BN-ReLU and classifier)."""

    index: int
    producer: int
    miniblocks: tuple[int, ...]
    end: int | None


@dataclass(frozen=True)
class DenseNetSpec(SpecCommon):
    """A DenseNet-BC: `layers` (its units, stem first), `input_shape` (C, H, W) and `num_classes`."""

    layers: tuple[DenseUnitSpec, ...]
    input_shape: tuple[int, int, int] = (1, 28, 28)
    num_classes: int = 10

    def __post_init__(self) -> None:
        if isinstance(self.layers, str) or not isinstance(self.layers, tuple | list):
            raise ValueError(f"layers must be a tuple of DenseUnitSpec, got {type(self.layers).__name__}")
        object.__setattr__(self, "layers", tuple(self.layers))
        input_shape, num_classes = check_input_shape(self.input_shape, self.num_classes)
        object.__setattr__(self, "input_shape", input_shape)
        object.__setattr__(self, "num_classes", num_classes)
        _validate(self)

    # ----- text and JSON -------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str, input_shape: tuple[int, int, int] = (1, 28, 28), num_classes: int = 10) -> DenseNetSpec:
        """Parse the explicit or the shorthand form; ids are assigned 0, 1, 2, ... in order."""
        if not isinstance(text, str):
            raise ValueError(f"an architecture is a string of tokens, got {type(text).__name__}")
        tokens = text.split()
        if not tokens or tokens[0] != DENSE_KEYWORD:
            raise ValueError(f"a DenseNet architecture starts with {DENSE_KEYWORD!r}; {DENSE_TOKEN_HELP}")
        body = tokens[1:]
        if not body:
            raise ValueError(f"{DENSE_KEYWORD!r} alone names no network; {DENSE_TOKEN_HELP}")
        if any("=" in token for token in body):
            body = expand_shorthand(body).split()
        # Checked before parsing, so that a pasted megabyte of tokens fails at once.
        check_limit(len(body), MAX_LAYERS, "number of DenseNet units", "deeper than any published DenseNet")
        layers = tuple(DenseUnitSpec.from_token(token, layer_id=i) for i, token in enumerate(body))
        return cls(layers, input_shape, num_classes)

    def to_string(self) -> str:
        """The explicit token string (ids are not part of it; it is the architecture's cache key)."""
        return " ".join((DENSE_KEYWORD, *(unit.token() for unit in self.layers)))

    # ----- structure -----------------------------------------------------------------------------
    def replace_layers(self, layers: tuple[DenseUnitSpec, ...]) -> DenseNetSpec:
        """A new spec with other units and the same input shape and classes."""
        return DenseNetSpec(tuple(layers), self.input_shape, self.num_classes)

    def blocks(self) -> tuple[DenseBlock, ...]:
        """The dense blocks in order, each with its producer, miniblocks and end."""
        blocks: list[DenseBlock] = []
        producer = 0
        current: list[int] = []
        for index, unit in enumerate(self.layers[1:], start=1):
            if unit.kind == TRANSITION:
                blocks.append(DenseBlock(len(blocks), producer, tuple(current), index))
                producer, current = index, []
            else:
                current.append(index)
        blocks.append(DenseBlock(len(blocks), producer, tuple(current), None))
        return tuple(blocks)

    def block_of(self, index: int) -> DenseBlock:
        """The block whose features unit `index` writes into (a transition writes into the next one)."""
        for block in self.blocks():
            if index == block.producer or index in block.miniblocks:
                return block
        raise ValueError(f"unit index {index} is out of range 0..{len(self.layers) - 1}")

    def input_channels(self) -> tuple[int, ...]:
        """Channels each unit reads (the block's concatenated features so far for miniblocks and
        transitions, the image channels for the stem)."""
        channels = self.input_shape[0]
        inputs: list[int] = []
        for unit in self.layers:
            inputs.append(channels)
            channels = channels + unit.width if unit.kind == MINIBLOCK else unit.width
        return tuple(inputs)

    def output_channels(self) -> int:
        """Channels of the last block's features, which the final BN and the classifier read."""
        last = self.layers[-1]
        return self.input_channels()[-1] + last.width if last.kind == MINIBLOCK else last.width

    def classifier_in_features(self) -> int:
        """Number of inputs of the final linear classifier."""
        return self.output_channels()

    def spatial_sizes(self) -> tuple[tuple[int, int], ...]:
        """Height and width at which each unit computes (a transition's conv runs before its pool)."""
        height, width = self.input_shape[1:]
        sizes: list[tuple[int, int]] = []
        for unit in self.layers:
            sizes.append((height, width))
            if unit.kind == TRANSITION:
                height, width = height // 2, width // 2
        return tuple(sizes)

    def offset_in_block(self, index: int) -> int:
        """Where unit `index`'s output channels start inside its block's concatenated features."""
        block = self.block_of(index)
        # A block's features start with its producer's output; a miniblock appends its own to what it read.
        return 0 if index == block.producer else self.input_channels()[index]

    def consumers(self, index: int) -> tuple[int | None, ...]:
        """The units that read unit `index`'s output: the later miniblocks of its block, then the block's
        end (a transition index, or None for the final BN and classifier)."""
        block = self.block_of(index)
        later = tuple(m for m in block.miniblocks if m > index)
        return (*later, block.end)

    def num_params(self) -> int:
        """Trainable parameters: conv weights, BatchNorm scales and shifts, classifier weight and bias."""
        total = 0
        for unit, channels in zip(self.layers, self.input_channels(), strict=True):
            if unit.kind == STEM:
                total += channels * unit.width * STEM_KERNEL**2
            elif unit.kind == MINIBLOCK:
                bottleneck = BOTTLENECK_FACTOR * unit.width
                total += 2 * channels + channels * bottleneck + 2 * bottleneck
                total += bottleneck * unit.width * MINIBLOCK_KERNEL**2
            else:
                total += 2 * channels + channels * unit.width
        final = self.output_channels()
        return total + 2 * final + final * self.num_classes + self.num_classes

    def flops(self) -> int:
        """Forward FLOPs for one image, counting a multiply-add as 2 (convolutions and classifier)."""
        total = 0
        for unit, channels, (height, width) in zip(
            self.layers, self.input_channels(), self.spatial_sizes(), strict=True
        ):
            if unit.kind == STEM:
                macs = channels * unit.width * STEM_KERNEL**2
            elif unit.kind == MINIBLOCK:
                bottleneck = BOTTLENECK_FACTOR * unit.width
                macs = channels * bottleneck + bottleneck * unit.width * MINIBLOCK_KERNEL**2
            else:
                macs = channels * unit.width
            total += 2 * macs * height * width
        return total + 2 * self.output_channels() * self.num_classes


def is_dense_arch(text: str) -> bool:
    """True when an architecture string names a DenseNet (it starts with `densenet-bc`)."""
    tokens = text.split()
    return bool(tokens) and tokens[0] == DENSE_KEYWORD


def expand_shorthand(tokens: list[str]) -> str:
    """The explicit units of `depth=L growth=k blocks=B [compression=c] [stem=s]` (no keyword).

    DenseNet-BC counts its depth as the stem, two convs per miniblock, one per transition and the
    classifier: L = 2nB + B + 1, so each block gets n = (L - B - 1) / 2B miniblocks."""
    values: dict[str, str] = {}
    for token in tokens:
        key, _, value = token.partition("=")
        if key not in SHORTHAND_KEYS or not value:
            raise ValueError(
                f"DenseNet shorthand token {token!r}: expected key=value with a key among {SHORTHAND_KEYS}; "
                f"{DENSE_TOKEN_HELP}"
            )
        if key in values:
            raise ValueError(f"DenseNet shorthand gives {key!r} twice")
        values[key] = value
    for key in ("depth", "growth"):
        if key not in values:
            raise ValueError(f"DenseNet shorthand needs {key}=...; {DENSE_TOKEN_HELP}")
    # Checked before expanding: depth=10**20 would otherwise build a list of 10**20 tokens.
    depth = _positive_int(values, "depth", None, MAX_DENSE_DEPTH, "DenseNet-BC goes up to 250")
    growth = _positive_int(values, "growth", None, MAX_GROWTH, GROWTH_REASON)
    blocks = _positive_int(values, "blocks", 3, depth, f"more blocks than depth={depth} has layers")
    stem = _positive_int(values, "stem", 2 * growth, MAX_WIDTH, WIDTH_REASON)
    compression = _compression(values.get("compression"))
    per_block, remainder = divmod(depth - blocks - 1, 2 * blocks)
    if per_block < 1 or remainder:
        allowed = ", ".join(str(2 * n * blocks + blocks + 1) for n in range(1, 5))
        raise ValueError(
            f"DenseNet shorthand: depth={depth} does not fit {blocks} blocks of bottleneck miniblocks; depth must "
            f"be 2nB + B + 1 for n >= 1 miniblocks per block, e.g. {allowed}, ..."
        )
    units = [f"{STEM}{stem}"]
    channels = stem
    for block in range(blocks):
        units += [f"{MINIBLOCK}{growth}"] * per_block
        channels += per_block * growth
        if block < blocks - 1:
            channels = max(1, int(compression * channels))
            units.append(f"{TRANSITION}{channels}")
    return " ".join(units)


def _positive_int(values: dict[str, str], key: str, default: int | None, limit: int, why: str) -> int:
    if key not in values:
        assert default is not None
        return default
    text = values[key]
    # isascii: str.isdigit accepts digits such as '²' that int() refuses.
    if not (text.isascii() and text.isdigit()) or not text.strip("0"):
        raise ValueError(f"DenseNet shorthand: {key} must be a positive integer, got {text!r}")
    return parse_token_number(text, f"{key}={text}", key, limit, why)


def _compression(text: str | None) -> float:
    if text is None:
        return DEFAULT_COMPRESSION
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 < value <= 1.0:
        raise ValueError(f"DenseNet shorthand: compression must be a number in (0, 1], got {text!r}")
    return value


def _validate(spec: DenseNetSpec) -> None:
    if not spec.layers:
        raise ValueError(f"a DenseNet needs units; {DENSE_TOKEN_HELP}")
    check_limit(len(spec.layers), MAX_LAYERS, "number of DenseNet units", "deeper than any published DenseNet")
    for unit in spec.layers:
        if not isinstance(unit, DenseUnitSpec):
            raise ValueError(f"layers must be DenseUnitSpec objects, got {type(unit).__name__}")
    ids = [unit.layer_id for unit in spec.layers]
    if len(set(ids)) != len(ids):
        raise ValueError(f"unit ids must be unique, got {ids}")
    if spec.layers[0].kind != STEM:
        raise ValueError(f"token 0 {spec.layers[0].token()!r}: a DenseNet starts with its stem, e.g. 'stem24'")
    height, width = spec.input_shape[1:]
    previous = STEM
    for position, unit in enumerate(spec.layers[1:], start=1):
        where = f"token {position} {unit.token()!r}"
        if unit.kind == STEM:
            raise ValueError(f"{where}: only the first unit is a stem")
        if unit.kind == TRANSITION:
            if previous != MINIBLOCK:
                raise ValueError(f"{where}: a transition must follow a miniblock (every block needs one 'g')")
            if height < 2 or width < 2:
                raise ValueError(
                    f"{where}: the feature map is {height}x{width} here and the transition's 2x2 pool would "
                    "shrink it below 1x1; use fewer blocks or larger inputs"
                )
            height, width = height // 2, width // 2
        previous = unit.kind
    if previous != MINIBLOCK:
        raise ValueError(f"a DenseNet ends with a miniblock (the last block needs one 'g'); {DENSE_TOKEN_HELP}")
