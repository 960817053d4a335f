"""Tests of what both spaces' specs share: JSON with ids, hashes and fresh ids."""

from __future__ import annotations

import pytest

from eas.spec import DenseNetSpec, NetSpec


@pytest.mark.parametrize(
    ("kind", "text"), [(NetSpec, "conv-8-3 pool conv-16-3 gap fc-8"), (DenseNetSpec, "densenet-bc stem8 g4 t8 g4")]
)
def test_json_keeps_ids_and_the_hash_ignores_them(kind, text: str) -> None:
    spec = kind.parse(text, (1, 8, 8), 3)
    data = {**spec.to_dict(), "layer_ids": [7 + i for i in range(len(spec.layers))]}
    moved = kind.from_dict(data)
    assert [layer.layer_id for layer in moved.layers] == data["layer_ids"]
    assert kind.from_json(moved.to_json()) == moved
    assert moved.stable_hash() == spec.stable_hash() and moved.to_string() == spec.to_string()
    assert moved.next_layer_id() == 7 + len(spec.layers)
    with pytest.raises(ValueError, match="layer_ids"):
        kind.from_dict({**data, "layer_ids": [1]})
