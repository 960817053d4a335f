"""Tests of `eas.spec.edits`: the spec side of the wider and deeper actions."""

from __future__ import annotations

import json

import pytest

from eas.spec import (
    DEFAULT_KERNEL,
    Edit,
    LayerSpec,
    NetSpec,
    apply_edit,
    edited_spec,
    insert_identity_layer,
    widen_layer,
)

SPEC = NetSpec.parse("conv-16-3 pool conv-32-5 gap fc-64", (3, 32, 32), 10)


def test_widen_layer_changes_only_that_width() -> None:
    for index, width in ((0, 24), (2, 48), (4, 128)):
        new = widen_layer(SPEC, index, width)
        assert new.layers[index].width == width
        assert new.layers[index].layer_id == SPEC.layers[index].layer_id
        assert new.layers[index].kind == SPEC.layers[index].kind
        assert new.layers[index].kernel_size == SPEC.layers[index].kernel_size
        others = [layer for position, layer in enumerate(new.layers) if position != index]
        assert others == [layer for position, layer in enumerate(SPEC.layers) if position != index]
        assert (new.input_shape, new.num_classes) == (SPEC.input_shape, SPEC.num_classes)
    # The input spec is frozen data and is left as it was.
    assert SPEC.to_string() == "conv-16-3 pool conv-32-5 gap fc-64"


@pytest.mark.parametrize(
    ("index", "width", "message"),
    [
        (0, 16, "must be larger"),
        (0, 8, "must be larger"),
        (1, 64, "'pool'"),
        (3, 64, "'gap'"),
        (5, 64, "range"),
        (-1, 64, "range"),
        ("0", 64, "range"),
    ],
)
def test_widen_layer_errors(index, width: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        widen_layer(SPEC, index, width)


@pytest.mark.parametrize("kernel_size", [1, 3, 5])
def test_insert_conv_after_conv(kernel_size: int) -> None:
    new = insert_identity_layer(SPEC, 2, kernel_size)
    assert new.to_string() == f"conv-16-3 pool conv-32-5 conv-32-{kernel_size} gap fc-64"
    assert new.layers[3].layer_id == 5  # a fresh id; the others keep theirs
    assert [layer.layer_id for layer in new.layers] == [0, 1, 2, 5, 3, 4]


def test_insert_fc_ignores_kernel_and_ids_stay_fresh() -> None:
    new = insert_identity_layer(SPEC, 4, 5)
    assert new.layers[5] == LayerSpec("fc", 64, 0, 5)
    again = insert_identity_layer(new, 0)
    assert again.layers[1].layer_id == 6
    assert again.to_string() == "conv-16-3 conv-16-3 pool conv-32-5 gap fc-64 fc-64"


@pytest.mark.parametrize(
    ("after", "kernel", "message"),
    [(0, 2, "odd"), (0, 7, r"one of \(1, 3, 5\)"), (1, 3, "'pool'"), (3, 3, "'gap'"), (5, 3, "range")],
)
def test_insert_errors(after: int, kernel: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        insert_identity_layer(SPEC, after, kernel)


def test_edit_json_round_trip_and_validation() -> None:
    for edit in (Edit.widen(0, 32), Edit.deepen(2, 5), Edit.deepen(4, None)):
        assert Edit.from_json(edit.to_json()) == edit
        assert Edit.from_json(json.loads(json.dumps(edit.to_json()))) == edit
    assert Edit.deepen(4, None).value == 0 and Edit.deepen(1).value == DEFAULT_KERNEL
    assert Edit.widen(0, 32).describe() == "widen 0:32"
    with pytest.raises(ValueError, match="edit kind"):
        Edit("shrink", 0, 1)
    with pytest.raises(ValueError, match="non-negative"):
        Edit.widen(-1, 4)
    for bad in ("widen", ["widen", 0], ["widen", "0", 4], {"kind": "widen"}):
        with pytest.raises(ValueError, match="edit"):
            Edit.from_json(bad)


def test_edited_spec_applies_edits_in_order() -> None:
    edits = [Edit.widen(0, 24), Edit.deepen(0, 5), Edit.deepen(5, None), Edit.widen(3, 40)]
    spec = edited_spec(SPEC, edits)
    assert spec.to_string() == "conv-24-3 conv-24-5 pool conv-40-5 gap fc-64 fc-64"
    assert spec == apply_edit(apply_edit(apply_edit(apply_edit(SPEC, edits[0]), edits[1]), edits[2]), edits[3])
    assert edited_spec(SPEC, []) == SPEC
    with pytest.raises(ValueError, match="kernel_size must be one of"):
        apply_edit(SPEC, Edit.deepen(0, None))  # a conv needs a kernel
