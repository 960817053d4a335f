"""Tests of `eas.spec.layers`: one layer's token, its validation and its parameter prefix."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eas.spec import CLASSIFIER_PREFIX, KERNEL_SIZES, LayerSpec, parameter_prefix
from eas.spec.layers import AVG_POOL, CONV, FC, GLOBAL_POOL, MAX_POOL


@settings(deadline=None)
@given(width=st.integers(1, 4096), kernel=st.sampled_from(KERNEL_SIZES), layer_id=st.integers(0, 10_000))
def test_conv_token_round_trip(width: int, kernel: int, layer_id: int) -> None:
    token = f"conv-{width}-{kernel}"
    layer = LayerSpec.from_token(token, layer_id=layer_id)
    assert layer == LayerSpec(CONV, width, kernel, layer_id)
    assert layer.token() == token
    assert layer.is_weighted and not layer.is_pool


@settings(deadline=None)
@given(units=st.integers(1, 4096), layer_id=st.integers(0, 10_000))
def test_fc_token_round_trip(units: int, layer_id: int) -> None:
    layer = LayerSpec.from_token(f"fc-{units}", layer_id=layer_id)
    assert layer == LayerSpec(FC, units, 0, layer_id)
    assert layer.token() == f"fc-{units}"
    assert layer.is_weighted and not layer.is_pool


@pytest.mark.parametrize("kind", [MAX_POOL, AVG_POOL, GLOBAL_POOL])
def test_pool_tokens(kind: str) -> None:
    layer = LayerSpec.from_token(kind, layer_id=5)
    assert (layer.kind, layer.width, layer.kernel_size, layer.layer_id) == (kind, 0, 0, 5)
    assert layer.token() == kind
    assert layer.is_pool and not layer.is_weighted


def test_kernel_sizes_are_odd_and_small() -> None:
    assert KERNEL_SIZES == (1, 3, 5)


def test_with_width_keeps_kind_kernel_and_id() -> None:
    layer = LayerSpec(CONV, 16, 5, 7)
    wider = layer.with_width(40)
    assert wider == LayerSpec(CONV, 40, 5, 7)
    assert layer.width == 16  # frozen: the original is unchanged
    assert LayerSpec(FC, 8, 0, 3).with_width(9) == LayerSpec(FC, 9, 0, 3)


def test_layer_spec_is_frozen_and_hashable() -> None:
    layer = LayerSpec(CONV, 16, 3, 1)
    with pytest.raises(AttributeError):
        layer.width = 32  # type: ignore[misc]
    assert len({layer, LayerSpec(CONV, 16, 3, 1), LayerSpec(CONV, 16, 3, 2)}) == 2


@pytest.mark.parametrize(
    ("token", "match"),
    [
        ("dense-16", r"unknown token 'dense-16'"),
        ("conv-16", r"unknown token 'conv-16'"),
        ("conv16-3", r"unknown token 'conv16-3'"),
        ("conv-16-3-1", r"unknown token 'conv-16-3-1'"),
        ("Conv-16-3", r"unknown token 'Conv-16-3'"),
        ("fc", r"unknown token 'fc'"),
        ("fc-1.5", r"unknown token 'fc-1.5'"),
        ("maxpool", r"unknown token 'maxpool'"),
        ("", r"unknown token ''"),
        ("conv-16-2", r"token 'conv-16-2': kernel must be one of \(1, 3, 5\)"),
        ("conv-16-4", r"token 'conv-16-4': kernel must be one of \(1, 3, 5\)"),
        ("conv-16-7", r"token 'conv-16-7': kernel must be one of"),
        ("conv-16-0", r"token 'conv-16-0': kernel must be one of"),
        ("conv-16--3", r"token 'conv-16--3': kernel must be one of"),
        ("conv-0-3", r"token 'conv-0-3': filters must be a positive integer"),
        ("conv--4-3", r"token 'conv--4-3': filters must be a positive integer"),
        ("fc-0", r"token 'fc-0': units must be a positive integer"),
        ("fc--2", r"token 'fc--2': units must be a positive integer"),
    ],
)
def test_bad_tokens_are_named(token: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        LayerSpec.from_token(token)


def test_unknown_token_lists_allowed_tokens() -> None:
    with pytest.raises(ValueError, match=r"allowed tokens: conv-<filters>-<kernel>.*pool, avgpool, gap, fc-<units>"):
        LayerSpec.from_token("relu")


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        (("bogus", 1, 0, 0), r"layer kind 'bogus' is unknown"),
        ((CONV, 16, 3, -1), r"layer_id must be >= 0, got -1"),
        ((CONV, 0, 3, 0), r"conv width must be a positive integer, got 0"),
        ((FC, -3, 0, 0), r"fc width must be a positive integer, got -3"),
        ((CONV, 16, 2, 0), r"conv kernel must be one of \(1, 3, 5\), got 2"),
        ((CONV, 16, 0, 0), r"conv kernel must be one of \(1, 3, 5\), got 0"),
        ((FC, 16, 3, 0), r"fc layers have no kernel, got kernel_size=3"),
        ((MAX_POOL, 4, 0, 0), r"pool layers take no width or kernel"),
        ((AVG_POOL, 0, 3, 0), r"avgpool layers take no width or kernel"),
        ((GLOBAL_POOL, 1, 1, 0), r"gap layers take no width or kernel"),
    ],
)
def test_layer_spec_validation(arguments: tuple, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        LayerSpec(*arguments)


def test_from_token_rejects_negative_id() -> None:
    with pytest.raises(ValueError, match="layer_id must be >= 0"):
        LayerSpec.from_token("conv-8-3", layer_id=-2)


def test_parameter_prefix() -> None:
    assert parameter_prefix(0) == "body.layer0"
    assert parameter_prefix(12) == "body.layer12"
    assert CLASSIFIER_PREFIX == "classifier"
