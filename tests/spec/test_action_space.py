"""Tests of `ActionSpace`: ladders, the wider mask, deeper targets and limits, JSON round trip."""

from __future__ import annotations

import json

import pytest

from eas.spec import ActionSpace, DeepenTarget, LayerSpec, NetSpec, insert_identity_layer
from eas.spec.action_space import PAPER_FILTERS, PAPER_UNITS

SPEC = NetSpec.parse("conv-16-3 conv-16-3 pool conv-32-3 gap fc-64", (3, 32, 32), 10)


def test_next_width_steps_one_rung() -> None:
    space = ActionSpace.paper()
    assert space.next_width(LayerSpec("conv", 16, 3)) == 32
    assert space.next_width(LayerSpec("conv", 20, 3)) == 32  # off-ladder widths go to the next rung up
    assert space.next_width(LayerSpec("conv", 512, 3)) is None
    assert space.next_width(LayerSpec("fc", 64)) == 128
    assert space.next_width(LayerSpec("fc", 1024)) is None
    assert space.next_width(LayerSpec("pool")) is None
    assert space.ladder(LayerSpec("gap")) == ()
    assert space.filter_widths == PAPER_FILTERS and space.unit_widths == PAPER_UNITS


def test_widen_mask() -> None:
    assert ActionSpace.paper().widen_mask(SPEC) == (True, True, False, True, False, True)
    top = NetSpec.parse("conv-512-3 gap fc-1024")
    assert ActionSpace.paper().widen_mask(top) == (False, False, False)


def test_widen_mask_respects_max_params() -> None:
    params = SPEC.num_params()
    # The parameter count after each possible widening, computed independently of the mask.
    costs = []
    for index in (0, 1, 3, 5):
        layers = list(SPEC.layers)
        layers[index] = layers[index].with_width(ActionSpace.paper().next_width(layers[index]))
        costs.append(SPEC.replace_layers(tuple(layers)).num_params())
    limit = sorted(costs)[1]
    mask = ActionSpace(max_params=limit).widen_mask(SPEC)
    allowed = [cost <= limit for cost in costs]
    assert [mask[index] for index in (0, 1, 3, 5)] == allowed
    assert sum(allowed) == 2
    assert not any(ActionSpace(max_params=params).widen_mask(SPEC))


def test_deepen_targets() -> None:
    targets = ActionSpace.paper().deepen_targets(SPEC)
    assert targets == (
        DeepenTarget(0, 0, 0, (1, 3, 5)),
        DeepenTarget(0, 1, 1, (1, 3, 5)),
        DeepenTarget(1, 0, 3, (1, 3, 5)),
        DeepenTarget(2, 0, 5, ()),
    )


def test_deepen_targets_limits() -> None:
    # A full block offers no place; other blocks still do.
    per_block = ActionSpace(max_layers_per_block=2).deepen_targets(SPEC)
    assert [target.block for target in per_block] == [1, 2]
    # At the total limit nothing can be inserted.
    assert ActionSpace(max_weighted_layers=4).deepen_targets(SPEC) == ()
    assert len(ActionSpace(max_weighted_layers=5).deepen_targets(SPEC)) == 4
    # max_params keeps, at each place, exactly the kernels whose insertion fits.
    limit = SPEC.num_params() + 64 * 64 + 2 * 64
    targets = ActionSpace(max_params=limit).deepen_targets(SPEC)
    assert DeepenTarget(2, 0, 5, ()) in targets
    for target in ActionSpace().deepen_targets(SPEC):
        for kernel in target.kernels or (0,):
            grown = insert_identity_layer(SPEC, target.after, kernel or 3)
            kept = [t for t in targets if t.after == target.after and (kernel in t.kernels or not t.kernels)]
            assert bool(kept) == (grown.num_params() <= limit), (target, kernel)
    assert ActionSpace(kernel_sizes=(3,)).deepen_targets(SPEC)[0].kernels == (3,)


def test_deepen_targets_max_params_uses_the_allowed_kernels() -> None:
    # With only 1x1 kernels allowed, inserting a 1x1 conv of 16 filters after layer 0 costs 16*16 + 2*16.
    limit = SPEC.num_params() + 16 * 16 + 2 * 16
    targets = ActionSpace(kernel_sizes=(1,), max_params=limit).deepen_targets(SPEC)
    assert DeepenTarget(0, 0, 0, (1,)) in targets


def test_round_trip_through_json() -> None:
    for space in (ActionSpace.paper(), ActionSpace.cpu(), ActionSpace(max_params=123456, kernel_sizes=(1, 3))):
        data = json.loads(json.dumps(space.to_dict()))
        assert ActionSpace.from_dict(data) == space
    partial = ActionSpace.from_dict({"max_layers_per_block": 3})
    assert partial == ActionSpace(max_layers_per_block=3)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"filter_widths": (32, 16)}, "increasing"),
        ({"unit_widths": ()}, "non-empty"),
        ({"filter_widths": (0, 16)}, "positive"),
        ({"kernel_sizes": (3, 7)}, r"\[7\] not allowed"),
        ({"max_layers_per_block": 0}, ">= 1"),
        ({"max_weighted_layers": 0}, ">= 1"),
    ],
)
def test_invalid_spaces(fields, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ActionSpace(**fields)


def test_densenet_masks_targets_and_closing_edits() -> None:
    from eas.spec import DenseNetSpec, Edit

    space = ActionSpace(growth_widths=(4, 8, 12), max_layers_per_block=3, max_weighted_layers=5)
    spec = DenseNetSpec.parse("densenet-bc stem8 g4 g12 t8 g4")
    # Only miniblocks below the top rung widen; the stem and transitions never do.
    assert space.widen_mask(spec) == (False, True, False, False, True)
    assert space.next_width(spec.layers[1]) == 8
    targets = space.deepen_targets(spec)
    assert [(t.block, t.position, t.after, t.kernels) for t in targets] == [(0, 0, 1, ()), (0, 1, 2, ()), (1, 0, 4, ())]
    full = DenseNetSpec.parse("densenet-bc stem8 g4 g4 g4 t8 g4")
    assert [t.block for t in space.deepen_targets(full)] == [1]  # block 0 has its 3 miniblocks
    assert space.deepen_targets(DenseNetSpec.parse("densenet-bc stem8 g4 g4 g4 t8 g4 g4")) == ()  # 5 in all
    small = ActionSpace(growth_widths=(4, 8), max_params=spec.num_params())
    assert not any(small.widen_mask(spec)) and small.deepen_targets(spec) == ()
    assert space.closing_edits(spec) == [Edit.widen(3, 12)]  # 8 + 4 + 12 channels, compression 0.5
    with pytest.raises(ValueError, match="growth ladder"):
        ActionSpace.cpu().widen_mask(spec)
    assert ActionSpace.from_dict(space.to_dict()) == space
    with pytest.raises(ValueError, match="compression"):
        ActionSpace(compression=0.0)
