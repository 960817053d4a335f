"""Size limits of a spec, and the checks that turn a bad number from a string or JSON into a `ValueError`.

The limits are far above any network in the literature (VGG's 4096-unit fc layers, DenseNet-BC-250,
ImageNet-21k's 21841 classes) and far below what would hang `eas info` or exhaust memory when a
model is built: `conv-99999999999999999999-3` is a typo, not a network. Every spec constructor
checks them, so token strings, JSON, the command line and the search all meet the same rules.
"""

from __future__ import annotations

import math
from typing import Any

# Channels of a conv layer, units of an fc layer, channels of a DenseNet stem or transition.
MAX_WIDTH = 16384
# A DenseNet miniblock's growth rate; DenseNet-BC uses 12 to 48.
MAX_GROWTH = 1024
# Layers of a plain CNN or units of a DenseNet (the deepest published CNNs have about 1000 layers).
MAX_LAYERS = 1000
# The `depth=` of the DenseNet shorthand (DenseNet-BC goes up to 250 in the paper, 1000 leaves room).
MAX_DENSE_DEPTH = 1000
# Classes of the classifier.
MAX_CLASSES = 100_000
# Input channels, and input height or width in pixels.
MAX_INPUT_CHANNELS = 1024
MAX_INPUT_SIDE = 8192
# Layer ids name weights; they grow by one per inserted layer, so a larger one is a corrupt file.
MAX_LAYER_ID = 2**31 - 1
# Digits read from a number in a token before it is refused: enough for every limit above, and it
# keeps Python from converting a thousand-digit string only to refuse the result.
MAX_DIGITS = 12


def check_limit(value: int, limit: int, what: str, why: str) -> None:
    """Raise a `ValueError` when `value` exceeds `limit`; `what` names the token or field, `why` the reason."""
    if value > limit:
        raise ValueError(f"{what}: {value} exceeds the limit of {limit} ({why})")


def parse_token_number(text: str, token: str, name: str, limit: int, why: str) -> int:
    """The integer `text` found inside `token` (`name` says what it is), checked against `limit`
    before a long digit string is ever converted."""
    digits = text.lstrip("-")
    if len(digits) > MAX_DIGITS:
        if text.startswith("-"):
            raise ValueError(f"token {token!r}: {name} must be a positive integer")
        raise ValueError(f"token {token!r}: {name} {digits[:MAX_DIGITS]}... exceeds the limit of {limit} ({why})")
    value = int(text)
    check_limit(value, limit, f"token {token!r}: {name}", why)
    return value


def strict_int(value: Any, what: str) -> int:
    """`value` as an `int` when it is an integer (numpy's included; not a bool, float or string), else a
    `ValueError` naming `what`."""
    if isinstance(value, bool) or not hasattr(value, "__index__"):
        raise ValueError(f"{what} must be an integer, got {_show(value)}")
    return int(value.__index__())


def check_input_shape(input_shape: Any, num_classes: Any) -> tuple[tuple[int, int, int], int]:
    """The checked `(channels, height, width)` and class count of a spec, within their limits."""
    if isinstance(input_shape, str | bytes) or not isinstance(input_shape, tuple | list):
        raise ValueError(f"input_shape must be (channels, height, width), got {_show(input_shape)}")
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (channels, height, width) of positive ints, got {_show(input_shape)}")
    shape = tuple(_integral(value, "input_shape") for value in input_shape)
    if min(shape) < 1:
        raise ValueError(f"input_shape must be (channels, height, width) of positive ints, got {shape}")
    check_limit(shape[0], MAX_INPUT_CHANNELS, "input_shape channels", "no image has that many channels")
    check_limit(max(shape[1:]), MAX_INPUT_SIDE, "input_shape height/width", "images are cropped or resized below")
    classes = _integral(num_classes, "num_classes")
    if classes < 2:
        raise ValueError(f"num_classes must be at least 2, got {classes}")
    check_limit(classes, MAX_CLASSES, "num_classes", "more classes than any image dataset")
    return (shape[0], shape[1], shape[2]), classes


def _integral(value: Any, what: str) -> int:
    # Python code passes ints (or numpy ints); a float is accepted only when it is a whole number,
    # since `int(2.5)` would silently make it another value.
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if hasattr(value, "__index__") and not isinstance(value, bool):
        return int(value.__index__())
    raise ValueError(f"{what} must hold integers, got {_show(value)}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
