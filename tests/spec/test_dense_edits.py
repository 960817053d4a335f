"""Tests of DenseNet spec edits: widen a unit, copy a miniblock, transition targets."""

from __future__ import annotations

import pytest

from eas.spec import DenseNetSpec, Edit, edited_spec, insert_miniblock, transition_targets, widen_unit

SPEC = DenseNetSpec.parse("densenet-bc stem8 g4 g4 t8 g4 g6")


def test_widen_unit_keeps_ids_and_refuses_shrinking() -> None:
    wider = widen_unit(SPEC, 2, 10)
    assert wider.to_string() == "densenet-bc stem8 g4 g10 t8 g4 g6"
    assert [u.layer_id for u in wider.layers] == [u.layer_id for u in SPEC.layers]
    with pytest.raises(ValueError, match="larger"):
        widen_unit(SPEC, 2, 4)
    with pytest.raises(ValueError, match="out of range"):
        widen_unit(SPEC, 6, 12)


def test_insert_miniblock_copies_growth_with_a_fresh_id() -> None:
    deeper = insert_miniblock(SPEC, 5)
    assert deeper.to_string() == "densenet-bc stem8 g4 g4 t8 g4 g6 g6"
    assert deeper.layers[6].layer_id == 6
    with pytest.raises(ValueError, match="after a miniblock"):
        insert_miniblock(SPEC, 3)


def test_edits_dispatch_on_the_space() -> None:
    grown = edited_spec(SPEC, [Edit.widen(1, 6), Edit.deepen(1, None), Edit.widen(4, 12)])
    assert grown.to_string() == "densenet-bc stem8 g6 g6 g4 t12 g4 g6"
    with pytest.raises(ValueError, match="no kernel"):
        edited_spec(SPEC, [Edit.deepen(1, 3)])


def test_transition_targets_restore_compression_in_order() -> None:
    assert transition_targets(SPEC) == []  # 16 input channels, 8 out: already 0.5
    grown = widen_unit(widen_unit(SPEC, 1, 12), 2, 12)  # the block now ends with 32 channels
    assert transition_targets(grown) == [(3, 16)]
    assert transition_targets(grown, 1.0) == [(3, 32)]
    two = DenseNetSpec.parse("densenet-bc stem8 g8 t4 g4 t4 g4")
    # The first transition grows to 8 (0.5 x 16); its wider output then feeds the second, which must
    # grow to 0.5 x (8 + 4) = 6 (read before the first grew, it would have looked fine at 4).
    assert transition_targets(two) == [(2, 8), (4, 6)]
    with pytest.raises(ValueError, match="compression"):
        transition_targets(SPEC, 0.0)
