"""One layer of a plain CNN: its kind, width and kernel, and its token `conv-16-3`.

A layer carries a stable integer id. Ids never change when other layers are inserted, so the
weights a layer owns keep their names through every transformation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eas.spec.limits import MAX_LAYER_ID, MAX_WIDTH, check_limit, parse_token_number, strict_int

CONV = "conv"
FC = "fc"
MAX_POOL = "pool"
AVG_POOL = "avgpool"
GLOBAL_POOL = "gap"

POOL_KINDS = (MAX_POOL, AVG_POOL, GLOBAL_POOL)
WEIGHTED_KINDS = (CONV, FC)
ALL_KINDS = (CONV, FC, MAX_POOL, AVG_POOL, GLOBAL_POOL)
KERNEL_SIZES = (1, 3, 5)
# BatchNorm epsilon of every layer: the builder uses it, and the transforms need it to make an
# inserted BatchNorm an exact identity, so it is part of what a spec means.
BATCH_NORM_EPS = 1e-5

WIDTH_REASON = "wider than any published network's layers"
TOKEN_HELP = "allowed tokens: conv-<filters>-<kernel> (kernel 1, 3 or 5), pool, avgpool, gap, fc-<units>"

# ASCII digits only: `\d` would also match other scripts' digits, which no architecture string uses.
_CONV_PATTERN = re.compile(r"conv-(-?\d+)-(-?\d+)", re.ASCII)
_FC_PATTERN = re.compile(r"fc-(-?\d+)", re.ASCII)


@dataclass(frozen=True)
class LayerSpec:
    """One layer: `kind` is conv, fc, pool, avgpool or gap; width 0 and kernel 0 for pools."""

    kind: str
    width: int = 0
    kernel_size: int = 0
    layer_id: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or self.kind not in ALL_KINDS:
            raise ValueError(f"layer kind {self.kind!r} is unknown; {TOKEN_HELP}")
        for name in ("width", "kernel_size", "layer_id"):
            # Stored as a plain int, so that a numpy integer never reaches JSON or a hash.
            object.__setattr__(self, name, strict_int(getattr(self, name), f"{self.kind} layer's {name}"))
        if self.layer_id < 0:
            raise ValueError(f"layer_id must be >= 0, got {self.layer_id}")
        check_limit(self.layer_id, MAX_LAYER_ID, "layer_id", "ids grow by one per inserted layer")
        if self.kind in WEIGHTED_KINDS and self.width < 1:
            raise ValueError(f"{self.kind} width must be a positive integer, got {self.width}")
        if self.kind in WEIGHTED_KINDS:
            check_limit(self.width, MAX_WIDTH, f"{self.kind} width", WIDTH_REASON)
        if self.kind == CONV and self.kernel_size not in KERNEL_SIZES:
            raise ValueError(f"conv kernel must be one of {KERNEL_SIZES}, got {self.kernel_size}")
        if self.kind == FC and self.kernel_size != 0:
            raise ValueError(f"fc layers have no kernel, got kernel_size={self.kernel_size}")
        if self.kind in POOL_KINDS and (self.width != 0 or self.kernel_size != 0):
            raise ValueError(f"{self.kind} layers take no width or kernel")

    @property
    def is_weighted(self) -> bool:
        """True for conv and fc layers: the ones that own weights and can be widened."""
        return self.kind in WEIGHTED_KINDS

    @property
    def is_pool(self) -> bool:
        """True for pool, avgpool and gap: the layers that close a block."""
        return self.kind in POOL_KINDS

    def token(self) -> str:
        """The layer's token, e.g. `conv-32-3`, `fc-64`, `pool`."""
        if self.kind == CONV:
            return f"conv-{self.width}-{self.kernel_size}"
        if self.kind == FC:
            return f"fc-{self.width}"
        return self.kind

    def with_width(self, width: int) -> LayerSpec:
        """The same layer (same id) with another width."""
        return LayerSpec(self.kind, width, self.kernel_size, self.layer_id)

    @classmethod
    def from_token(cls, token: str, layer_id: int = 0) -> LayerSpec:
        """Parse one token; a `ValueError` names the token and what is allowed."""
        if not isinstance(token, str):
            raise ValueError(f"a token must be a string, got {type(token).__name__}; {TOKEN_HELP}")
        if token in POOL_KINDS:
            return cls(token, layer_id=layer_id)
        conv = _CONV_PATTERN.fullmatch(token)
        if conv:
            filters = parse_token_number(conv.group(1), token, "filters", MAX_WIDTH, WIDTH_REASON)
            if filters < 1:
                raise ValueError(f"token {token!r}: filters must be a positive integer")
            # Compared as text, so that a kernel of a thousand digits is never converted to a number.
            if conv.group(2).lstrip("0") not in {str(size) for size in KERNEL_SIZES}:
                raise ValueError(f"token {token!r}: kernel must be one of {KERNEL_SIZES}")
            return cls(CONV, filters, int(conv.group(2)), layer_id)
        fc = _FC_PATTERN.fullmatch(token)
        if fc:
            units = parse_token_number(fc.group(1), token, "units", MAX_WIDTH, WIDTH_REASON)
            if units < 1:
                raise ValueError(f"token {token!r}: units must be a positive integer")
            return cls(FC, units, 0, layer_id)
        raise ValueError(f"unknown token {token!r}; {TOKEN_HELP}")


def parameter_prefix(layer_id: int) -> str:
    """Prefix of a weighted layer's entries in a model's state dict (shared by build and transforms)."""
    return f"body.layer{layer_id}"


CLASSIFIER_PREFIX = "classifier"
