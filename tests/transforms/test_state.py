"""Tests of the state-dict layout, `validate_state_dict` and the argument checks in `state.py`."""

from __future__ import annotations

import pytest
import torch

from eas.build import build_model
from eas.spec import NetSpec
from eas.transforms import validate_state_dict
from eas.transforms.state import (
    consumer_weight_key,
    expected_shapes,
    validate_layer_index,
    validate_noise,
    with_replacements,
)

SPECS = [
    NetSpec.parse("conv-16-3 gap"),
    NetSpec.parse("conv-4-5 pool conv-6-1 avgpool conv-3-3 gap fc-7 fc-2", (3, 12, 12), 5),
    NetSpec.from_dict(
        {"arch": "conv-2-1 gap fc-3", "layer_ids": [7, 3, 11], "input_shape": [2, 9, 7], "num_classes": 2}
    ),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda spec: spec.to_string())
def test_expected_shapes_match_build(spec: NetSpec) -> None:
    built = build_model(spec).state_dict()
    assert list(expected_shapes(spec)) == list(built)
    assert expected_shapes(spec) == {key: tuple(value.shape) for key, value in built.items()}
    validate_state_dict(spec, built)


def test_consumer_weight_key_skips_pools() -> None:
    spec = SPECS[1]
    assert consumer_weight_key(spec, 0) == "body.layer2.conv.weight"
    assert consumer_weight_key(spec, 4) == "body.layer6.fc.weight"
    assert consumer_weight_key(spec, 7) == "classifier.weight"


def test_missing_and_unexpected_keys_are_named() -> None:
    state = build_model(SPECS[0]).state_dict()
    del state["body.layer0.bn.bias"]
    state["body.layer9.conv.weight"] = torch.zeros(1)
    with pytest.raises(ValueError, match=r"missing keys \['body.layer0.bn.bias'\].*unexpected keys \['body.layer9"):
        validate_state_dict(SPECS[0], state)


def test_wrong_shape_names_key_and_both_shapes() -> None:
    state = build_model(SPECS[0]).state_dict()
    state["classifier.weight"] = torch.zeros(10, 8)
    with pytest.raises(ValueError, match=r"classifier.weight'\] has shape \(10, 8\).*needs \(10, 16\)"):
        validate_state_dict(SPECS[0], state)


def test_wrong_types_are_refused() -> None:
    state = build_model(SPECS[0]).state_dict()
    with pytest.raises(ValueError, match="dict of tensors"):
        validate_state_dict(SPECS[0], list(state.items()))  # type: ignore[arg-type]
    state["classifier.bias"] = torch.zeros(10, dtype=torch.long)
    with pytest.raises(ValueError, match="floating point"):
        validate_state_dict(SPECS[0], state)
    state["classifier.bias"] = [0.0] * 10  # type: ignore[assignment]
    with pytest.raises(ValueError, match="must be a tensor"):
        validate_state_dict(SPECS[0], state)


def test_layer_index_and_noise_checks() -> None:
    spec = SPECS[1]
    assert validate_layer_index(spec, 2, "widen") == 2
    for index, message in [(True, "int"), (1, "'pool'"), (8, "classifier"), (12, "out of range")]:
        with pytest.raises(ValueError, match=message):
            validate_layer_index(spec, index, "widen")
    assert validate_noise(0, "widen") == 0.0
    with pytest.raises(ValueError, match="noise"):
        validate_noise(True, "widen")


def test_with_replacements_clones_the_rest() -> None:
    state = {"a": torch.zeros(2), "b": torch.ones(2)}
    replacement = torch.full((3,), 2.0)
    result = with_replacements(state, {"b": replacement})
    assert result["b"] is replacement
    result["a"].add_(1)
    assert torch.equal(state["a"], torch.zeros(2))
