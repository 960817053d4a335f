"""Tests of parsing either space from text or JSON."""

from __future__ import annotations

import pytest

from eas.spec import DenseNetSpec, NetSpec, parse_spec, space_of, spec_from_dict, spec_from_json


def test_the_keyword_chooses_the_space() -> None:
    plain = parse_spec("conv-8-3 gap", (1, 8, 8), 3)
    dense = parse_spec("densenet-bc stem8 g4", (1, 8, 8), 3)
    assert isinstance(plain, NetSpec) and space_of(plain) == "plain"
    assert isinstance(dense, DenseNetSpec) and space_of(dense) == "densenet"
    assert spec_from_json(dense.to_json()) == dense
    assert spec_from_dict(plain.to_dict()) == plain


def test_bad_json_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="object"):
        spec_from_dict([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lacks the field"):
        spec_from_dict({"arch": "densenet-bc stem8 g4"})
