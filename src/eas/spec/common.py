"""What both spaces' specs share: their JSON form (the architecture string plus the layer ids), hash
and id allocation.

Ids are not part of the string (it is the architecture's cache key), but weights are named by them,
so a checkpoint's or a trial's spec JSON keeps them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from typing import Any, Self

from eas.spec.limits import check_input_shape, strict_int


class SpecCommon:
    """Mixin for a spec dataclass with `layers` (each with a `layer_id`), `input_shape`, `num_classes`,
    `to_string()` and a `parse(text, input_shape, num_classes)` class method."""

    layers: tuple[Any, ...]
    input_shape: tuple[int, int, int]
    num_classes: int

    def to_string(self) -> str:
        raise NotImplementedError

    @classmethod
    def parse(cls, text: str, input_shape: tuple[int, int, int] = (1, 28, 28), num_classes: int = 10) -> Self:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict that keeps layer ids, so weights can be matched to layers again."""
        return {
            "arch": self.to_string(),
            "layer_ids": [layer.layer_id for layer in self.layers],
            "input_shape": list(self.input_shape),
            "num_classes": self.num_classes,
        }

    def to_json(self) -> str:
        """Canonical JSON text of `to_dict`."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Inverse of `to_dict`; missing ids default to 0, 1, 2, ...; other keys are ignored (so newer
        files that add fields still load)."""
        if not isinstance(data, dict):
            raise ValueError(
                f"spec JSON must be an object with arch, input_shape, num_classes, got {type(data).__name__}"
            )
        for key in ("arch", "input_shape", "num_classes"):
            if key not in data:
                raise ValueError(f"spec JSON lacks the field {key!r}; expected arch, input_shape, num_classes")
        arch = data["arch"]
        if not isinstance(arch, str):
            raise ValueError(f"spec JSON field 'arch' must be a token string, got {type(arch).__name__}")
        input_shape, num_classes = check_input_shape(data["input_shape"], data["num_classes"])
        spec = cls.parse(arch, input_shape, num_classes)
        ids = data.get("layer_ids")
        if ids is None:
            return spec
        if not isinstance(ids, list | tuple):
            raise ValueError(f"spec JSON field 'layer_ids' must be a list of integers, got {type(ids).__name__}")
        if len(ids) != len(spec.layers):
            raise ValueError(f"spec JSON has {len(ids)} layer_ids for {len(spec.layers)} layers")
        layers = tuple(
            replace(layer, layer_id=strict_int(layer_id, "spec JSON layer_ids entry"))
            for layer, layer_id in zip(spec.layers, ids, strict=True)
        )
        return replace(spec, layers=layers)  # type: ignore[type-var]

    @classmethod
    def from_json(cls, text: str) -> Self:
        """Inverse of `to_json`; text that is not JSON is a `ValueError` too."""
        return cls.from_dict(load_json_text(text))

    def next_layer_id(self) -> int:
        """An id no layer uses yet (for inserted layers)."""
        return max(layer.layer_id for layer in self.layers) + 1

    def stable_hash(self) -> str:
        """A short hash of the architecture (tokens, input shape, classes), stable across runs."""
        key = f"{self.to_string()}|{self.input_shape}|{self.num_classes}"
        return hashlib.sha256(key.encode()).hexdigest()[:16]


def load_json_text(text: str | bytes) -> Any:
    """`json.loads(text)`, with every failure a `ValueError` that says where the text went wrong.

    A document nested thousands of levels deep makes the json module raise `RecursionError`, which
    is no less a bad file than a syntax error."""
    try:
        return json.loads(text)
    except RecursionError as error:
        raise ValueError("spec JSON is nested too deeply to be a spec (a spec holds one object of lists)") from error
    except (ValueError, TypeError) as error:
        raise ValueError(f"spec JSON is not valid JSON: {error}") from error
