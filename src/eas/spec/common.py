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
        """Inverse of `to_dict`; missing ids default to 0, 1, 2, ..."""
        for key in ("arch", "input_shape", "num_classes"):
            if key not in data:
                raise ValueError(f"spec JSON lacks the field {key!r}; expected arch, input_shape, num_classes")
        spec = cls.parse(str(data["arch"]), tuple(data["input_shape"]), int(data["num_classes"]))
        ids = data.get("layer_ids")
        if ids is None:
            return spec
        if len(ids) != len(spec.layers):
            raise ValueError(f"spec JSON has {len(ids)} layer_ids for {len(spec.layers)} layers")
        layers = tuple(replace(layer, layer_id=int(layer_id)) for layer, layer_id in zip(spec.layers, ids, strict=True))
        return replace(spec, layers=layers)  # type: ignore[type-var]

    @classmethod
    def from_json(cls, text: str) -> Self:
        """Inverse of `to_json`."""
        return cls.from_dict(json.loads(text))

    def next_layer_id(self) -> int:
        """An id no layer uses yet (for inserted layers)."""
        return max(layer.layer_id for layer in self.layers) + 1

    def stable_hash(self) -> str:
        """A short hash of the architecture (tokens, input shape, classes), stable across runs."""
        key = f"{self.to_string()}|{self.input_shape}|{self.num_classes}"
        return hashlib.sha256(key.encode()).hexdigest()[:16]
