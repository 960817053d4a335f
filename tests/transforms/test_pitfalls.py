"""Regression tests for the Net2Net port bugs listed in EAS.md ("Pitfalls already seen").

Each test names the pitfall it guards against; the numeric checks run on feature maps larger than
1x1 and with non-trivial BN, where each bug changes the logits (verified by breaking the code).
"""

from __future__ import annotations

import torch

from eas.spec import NetSpec
from eas.transforms import check_preserved, deepen, widen
from eas.transforms.mapping import replica_counts, unit_mapping
from tests.transforms.helpers import assert_states_equal, clone_state, random_state

SPEC = NetSpec.parse("conv-3-3 conv-4-5 pool conv-5-3 gap fc-6", (3, 12, 12), 5)


def state() -> dict[str, torch.Tensor]:
    return random_state(SPEC, torch.Generator().manual_seed(0))


def inputs() -> torch.Tensor:
    return torch.randn(5, 3, 12, 12, generator=torch.Generator().manual_seed(1))


def test_new_units_copy_existing_units_not_random_initialisation() -> None:
    original = state()
    for index in (0, 1, 3, 5):
        layer = SPEC.layers[index]
        new_spec, new_state = widen(SPEC, original, index, layer.width + 7, noise=0, generator=torch.Generator())
        kind = "conv" if layer.kind == "conv" else "fc"
        old_rows = original[f"body.layer{layer.layer_id}.{kind}.weight"]
        new_rows = new_state[f"body.layer{layer.layer_id}.{kind}.weight"]
        # Every new unit is bit for bit one of the old units.
        for row in new_rows[layer.width :]:
            assert any(torch.equal(row, old_row) for old_row in old_rows)
        assert check_preserved(SPEC, original, new_spec, new_state, inputs()) <= 1e-5


def test_no_in_place_weight_normalisation() -> None:
    # A port that divides the next layer's weights in place corrupts its input (and a second
    # transform from the same parent); here the parent stays intact and can be widened twice.
    original = state()
    before = clone_state(original)
    first = widen(SPEC, original, 1, 9, noise=0, generator=torch.Generator().manual_seed(2))
    second = widen(SPEC, original, 1, 9, noise=0, generator=torch.Generator().manual_seed(2))
    assert_states_equal(original, before)
    assert_states_equal(first[1], second[1])
    mapping = unit_mapping(4, 9, torch.Generator().manual_seed(2))
    counts = replica_counts(mapping, 4)
    consumer = first[1]["body.layer3.conv.weight"]
    # Each copy is divided once by its replica count, not repeatedly.
    for new_unit, source in enumerate(mapping.tolist()):
        expected = original["body.layer3.conv.weight"][:, source] / counts[source]
        assert torch.equal(consumer[:, new_unit], expected)
    assert check_preserved(SPEC, original, *first, inputs()) <= 1e-5


def test_identity_tap_is_centred() -> None:
    original = state()
    for kernel_size in (3, 5):
        new_spec, new_state = deepen(SPEC, original, 1, kernel_size=kernel_size, noise=0)
        kernel = new_state["body.layer6.conv.weight"]
        centre = kernel_size // 2
        nonzero = kernel.nonzero().tolist()
        assert nonzero == [[channel, channel, centre, centre] for channel in range(4)]
        # An off-centre tap shifts the 12x12 map by a pixel: the logits would move well beyond this.
        assert check_preserved(SPEC, original, new_spec, new_state, inputs()) <= 1e-5


def test_batch_norm_statistics_copied_for_every_new_channel() -> None:
    original = state()
    new_spec, new_state = widen(SPEC, original, 3, 12, noise=0, generator=torch.Generator().manual_seed(3))
    mapping = unit_mapping(5, 12, torch.Generator().manual_seed(3))
    for entry in ("weight", "bias", "running_mean", "running_var"):
        old = original[f"body.layer3.bn.{entry}"]
        new = new_state[f"body.layer3.bn.{entry}"]
        for new_unit, source in enumerate(mapping.tolist()):
            assert new[new_unit] == old[source], (entry, new_unit)
    assert check_preserved(SPEC, original, new_spec, new_state, inputs()) <= 1e-5
