"""Tests of `eas.spec.limits`: sizes at a limit are accepted, one above is a `ValueError` that names the
token or field, the limit and the reason, on every path a spec is made by."""

from __future__ import annotations

import json
import re

import pytest

from eas.spec import (
    ActionSpace,
    DenseNetSpec,
    DenseUnitSpec,
    Edit,
    LayerSpec,
    NetSpec,
    apply_edit,
    parse_spec,
    spec_from_json,
)
from eas.spec.layers import CONV, FC
from eas.spec.limits import (
    MAX_CLASSES,
    MAX_DENSE_DEPTH,
    MAX_GROWTH,
    MAX_INPUT_CHANNELS,
    MAX_INPUT_SIDE,
    MAX_LAYER_ID,
    MAX_LAYERS,
    MAX_WIDTH,
    check_input_shape,
    check_limit,
    parse_token_number,
    strict_int,
)

SHAPE = (3, 32, 32)


def refused(pattern: str) -> pytest.RaisesContext[ValueError]:
    """`pytest.raises(ValueError)` whose message must contain `pattern` literally."""
    return pytest.raises(ValueError, match=re.escape(pattern))


@pytest.mark.parametrize(
    ("at_limit", "above", "message"),
    [
        (f"conv-{MAX_WIDTH}-1 gap", f"conv-{MAX_WIDTH + 1}-1 gap", f"filters: {MAX_WIDTH + 1} exceeds the limit of"),
        (f"conv-8-3 gap fc-{MAX_WIDTH}", f"conv-8-3 gap fc-{MAX_WIDTH + 1}", "units: 16385 exceeds the limit of 16384"),
        ("conv-4-3 " * (MAX_LAYERS - 1) + "gap", "conv-4-3 " * MAX_LAYERS + "gap", "number of layers: 1001"),
        (f"densenet-bc stem8 g{MAX_GROWTH}", f"densenet-bc stem8 g{MAX_GROWTH + 1}", "growth rate: 1025 exceeds"),
        (f"densenet-bc stem{MAX_WIDTH} g4", f"densenet-bc stem{MAX_WIDTH + 1} g4", "channels: 16385 exceeds"),
        ("densenet-bc stem8 g4 t16 g4", f"densenet-bc stem8 g4 t{MAX_WIDTH + 1} g4", "'t16385': channels"),
        ("densenet-bc stem8" + " g1" * (MAX_LAYERS - 1), "densenet-bc stem8" + " g1" * MAX_LAYERS, "units: 1001"),
        (
            f"densenet-bc depth={MAX_DENSE_DEPTH} growth=1 blocks=3",  # 2nB + B + 1 with n = 166
            "densenet-bc depth=1006 growth=1 blocks=3",
            "depth: 1006 exceeds the limit of 1000 (DenseNet-BC goes up to 250)",
        ),
        (
            f"densenet-bc depth=40 growth={MAX_GROWTH}",
            f"densenet-bc depth=40 growth={MAX_GROWTH + 1}",
            "growth: 1025 exceeds the limit of 1024",
        ),
        ("densenet-bc depth=40 growth=12 stem=16384", "densenet-bc depth=40 growth=12 stem=16385", "stem: 16385"),
    ],
)
def test_token_strings_at_and_above_each_limit(at_limit: str, above: str, message: str) -> None:
    spec = parse_spec(at_limit, SHAPE, 10)
    assert spec.num_params() > 0  # the size arithmetic of a network at the limits is instant
    with refused(message) as error:
        parse_spec(above, SHAPE, 10)
    # The message says why, not only that: every limit comes with its reason in parentheses.
    assert "(" in str(error.value) and "limit" in str(error.value)


def test_the_issue_command_line_is_refused() -> None:
    """The report that started it: 2.1e21 parameters printed with exit status 0."""
    with refused("token 'conv-99999999999999999999-3': filters 999999999999... exceeds the limit of 16384"):
        parse_spec("conv-99999999999999999999-3 gap")


@pytest.mark.parametrize(
    ("shape", "classes", "message"),
    [
        ((MAX_INPUT_CHANNELS + 1, 8, 8), 10, "input_shape channels: 1025 exceeds the limit of 1024"),
        ((1, MAX_INPUT_SIDE + 1, 8), 10, "input_shape height/width: 8193 exceeds the limit of 8192"),
        ((1, 8, MAX_INPUT_SIDE + 1), 10, "input_shape height/width: 8193"),
        ((1, 8, 8), MAX_CLASSES + 1, "num_classes: 100001 exceeds the limit of 100000"),
    ],
)
def test_input_shape_and_classes(shape: tuple[int, int, int], classes: int, message: str) -> None:
    with refused(message):
        NetSpec.parse("conv-4-3 gap", shape, classes)
    with refused(message):
        DenseNetSpec.parse("densenet-bc stem4 g4", shape, classes)
    NetSpec.parse("conv-4-3 gap", (MAX_INPUT_CHANNELS, MAX_INPUT_SIDE, MAX_INPUT_SIDE), MAX_CLASSES)


def test_constructors_apply_the_limits() -> None:
    """Code that builds layers directly (the transforms, the search) meets the same limits."""
    assert LayerSpec(CONV, MAX_WIDTH, 3).width == MAX_WIDTH
    with refused("conv width: 16385 exceeds the limit of 16384"):
        LayerSpec(CONV, MAX_WIDTH + 1, 3)
    with refused("fc width: 16385"):
        LayerSpec(FC, MAX_WIDTH + 1)
    with refused(f"layer_id: {MAX_LAYER_ID + 1} exceeds the limit"):
        LayerSpec(CONV, 4, 3, MAX_LAYER_ID + 1)
    with refused("growth rate: 1025"):
        DenseUnitSpec("g", MAX_GROWTH + 1)
    with refused("number of layers: 1001"):
        NetSpec((*(LayerSpec(CONV, 4, 3, index) for index in range(MAX_LAYERS)), LayerSpec("gap", layer_id=MAX_LAYERS)))


def test_numpy_integers_are_stored_as_ints() -> None:
    numpy = pytest.importorskip("numpy")
    layer = LayerSpec(CONV, numpy.int64(8), numpy.int32(3), numpy.int16(2))
    assert type(layer.width) is int and type(layer.kernel_size) is int and type(layer.layer_id) is int
    assert layer == LayerSpec(CONV, 8, 3, 2)


def test_edits_cannot_grow_past_the_limits() -> None:
    spec = parse_spec("conv-8-3 gap fc-16", SHAPE, 10)
    assert apply_edit(spec, Edit.widen(0, MAX_WIDTH)).layers[0].width == MAX_WIDTH
    with refused("conv width: 16385 exceeds"):
        apply_edit(spec, Edit.widen(0, MAX_WIDTH + 1))
    with refused("fc width: 16385 exceeds"):
        apply_edit(spec, Edit.widen(2, MAX_WIDTH + 1))
    dense = parse_spec("densenet-bc stem8 g4", SHAPE, 10)
    with refused("growth rate: 1025"):
        apply_edit(dense, Edit.widen(1, MAX_GROWTH + 1))


def test_action_space_ladders_stay_within_the_limits() -> None:
    ActionSpace(filter_widths=(16, MAX_WIDTH), unit_widths=(MAX_WIDTH,), growth_widths=(MAX_GROWTH,))
    with refused("ActionSpace.filter_widths: 16385 exceeds the limit of 16384"):
        ActionSpace(filter_widths=(16, MAX_WIDTH + 1))
    with refused("ActionSpace.growth_widths: 1025"):
        ActionSpace(growth_widths=(12, MAX_GROWTH + 1))
    with refused("ActionSpace.max_weighted_layers: 1001"):
        ActionSpace(max_weighted_layers=MAX_LAYERS + 1)


def test_json_goes_through_the_same_limits() -> None:
    document = {"arch": "conv-8-3 gap", "input_shape": [3, 32, 32], "num_classes": 10, "layer_ids": [0, 1]}
    assert spec_from_json(json.dumps(document)).layers[0].width == 8
    with refused("filters: 20000 exceeds the limit of 16384"):
        spec_from_json(json.dumps({**document, "arch": "conv-20000-3 gap"}))
    with refused("layer_id: 2147483648 exceeds"):
        spec_from_json(json.dumps({**document, "layer_ids": [0, 2**31]}))
    with refused("num_classes: 100001"):
        spec_from_json(json.dumps({**document, "num_classes": MAX_CLASSES + 1}))


def test_the_limits_leave_every_published_size_room() -> None:
    """The limits are for typos, not for networks: the largest common sizes pass with room to spare."""
    assert MAX_WIDTH >= 4 * 4096  # VGG's fc layers
    assert MAX_GROWTH >= 20 * 48  # DenseNet-161's growth rate
    assert MAX_DENSE_DEPTH >= 4 * 250  # DenseNet-BC-250
    assert MAX_CLASSES >= 4 * 21841  # ImageNet-21k
    assert MAX_LAYERS >= 1000


def test_helpers() -> None:
    check_limit(5, 5, "x", "why")
    with refused("thing: 6 exceeds the limit of 5 (because)"):
        check_limit(6, 5, "thing", "because")
    assert parse_token_number("0012", "g0012", "growth", 20, "r") == 12
    with refused("token 'g99999999999999': growth 999999999999... exceeds the limit of 20 (r)"):
        parse_token_number("99999999999999", "g99999999999999", "growth", 20, "r")
    with refused("must be a positive integer"):
        parse_token_number("-99999999999999", "g-99999999999999", "growth", 20, "r")
    assert strict_int(7, "x") == 7
    for value in (True, 7.0, "7", None, [7]):
        with refused("x must be an integer"):
            strict_int(value, "x")
    assert check_input_shape([3, 8.0, 8], 10) == ((3, 8, 8), 10)
    for shape in ("3,8,8", (3, 8), (3, 8, 8.5), (3, 8, float("nan")), (3, 8, None), (3, 8, 0)):
        with refused("input_shape"):
            check_input_shape(shape, 10)
    for classes in (None, "10", 1, 2.5, True):
        with refused("num_classes"):
            check_input_shape((3, 8, 8), classes)
