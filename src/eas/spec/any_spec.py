"""Either space's spec from text or JSON: a string starting with `densenet-bc` is a DenseNet, any other a
plain CNN. Callers that accept both spaces parse here."""

from __future__ import annotations

from typing import Any

from eas.spec.common import load_json_text
from eas.spec.dense import DenseNetSpec, is_dense_arch
from eas.spec.network import NetSpec

Spec = NetSpec | DenseNetSpec


def parse_spec(text: str, input_shape: tuple[int, int, int] = (1, 28, 28), num_classes: int = 10) -> Spec:
    """A plain or DenseNet spec from its architecture string."""
    if not isinstance(text, str):
        raise ValueError(f"an architecture is a string of tokens, got {type(text).__name__}")
    if is_dense_arch(text):
        return DenseNetSpec.parse(text, input_shape, num_classes)
    return NetSpec.parse(text, input_shape, num_classes)


def spec_from_dict(data: dict[str, Any]) -> Spec:
    """Inverse of either spec's `to_dict`."""
    if not isinstance(data, dict):
        raise ValueError(f"spec JSON must be an object with arch, input_shape, num_classes, got {type(data).__name__}")
    arch = data.get("arch", "")
    if isinstance(arch, str) and is_dense_arch(arch):
        return DenseNetSpec.from_dict(data)
    return NetSpec.from_dict(data)


def spec_from_json(text: str) -> Spec:
    """Inverse of either spec's `to_json`."""
    return spec_from_dict(load_json_text(text))


def space_of(spec: Spec) -> str:
    """`densenet` or `plain`."""
    return "densenet" if isinstance(spec, DenseNetSpec) else "plain"
