"""Tests of `DenseNetSpec`: both written forms, round trips, structure, sizes and clear errors."""

from __future__ import annotations

import pytest

from eas.spec import DenseNetSpec, DenseUnitSpec
from eas.spec.dense import MINIBLOCK, STEM, TRANSITION, expand_shorthand, is_dense_arch

SMALL = "densenet-bc stem8 g4 g4 t8 g4 g6"


def test_shorthand_expands_as_densenet_bc() -> None:
    spec = DenseNetSpec.parse("densenet-bc depth=40 growth=12 blocks=3")
    assert spec.to_string() == (
        "densenet-bc stem24 " + "g12 " * 6 + "t48 " + "g12 " * 6 + "t60 " + " ".join(["g12"] * 6)
    )
    # DenseNet-BC (L=100, k=12) on CIFAR has 0.8M parameters in the DenseNet paper.
    cifar = DenseNetSpec.parse("densenet-bc depth=100 growth=12", (3, 32, 32), 10)
    assert 0.75e6 < cifar.num_params() < 0.8e6
    assert expand_shorthand(["depth=10", "growth=4", "blocks=1", "stem=5"]) == "stem5 " + " ".join(["g4"] * 4)
    assert expand_shorthand(["depth=11", "growth=4", "blocks=2", "compression=1"]).split()[3] == "t16"


def test_explicit_form_round_trips_exactly_with_ids() -> None:
    spec = DenseNetSpec.parse(SMALL, (3, 12, 12), 5)
    assert spec.to_string() == SMALL
    assert DenseNetSpec.parse(spec.to_string(), (3, 12, 12), 5) == spec
    moved = spec.replace_layers(tuple(DenseUnitSpec(u.kind, u.width, 10 + u.layer_id) for u in spec.layers))
    assert DenseNetSpec.from_json(moved.to_json()) == moved
    assert moved.stable_hash() == spec.stable_hash()
    assert is_dense_arch(SMALL) and not is_dense_arch("conv-16-3 gap") and not is_dense_arch("")


def test_structure_blocks_channels_offsets_and_consumers() -> None:
    spec = DenseNetSpec.parse(SMALL)
    assert [(b.producer, b.miniblocks, b.end) for b in spec.blocks()] == [(0, (1, 2), 3), (3, (4, 5), None)]
    assert spec.input_channels() == (1, 8, 12, 16, 8, 12)
    assert spec.output_channels() == 18
    assert spec.spatial_sizes() == ((28, 28),) * 4 + ((14, 14),) * 2
    assert [spec.offset_in_block(i) for i in range(6)] == [0, 8, 12, 0, 8, 12]
    assert spec.consumers(0) == (1, 2, 3) and spec.consumers(2) == (3,) and spec.consumers(5) == (None,)
    assert spec.next_layer_id() == 6


def test_parameters_and_flops_by_hand() -> None:
    spec = DenseNetSpec.parse("densenet-bc stem2 g1 t3 g1", (1, 4, 4), 2)
    stem = 1 * 2 * 9
    first = 2 * 2 + 2 * 4 + 2 * 4 + 4 * 1 * 9  # bn1, conv1 (2 -> 4), bn2, conv2 (4 -> 1, 3x3)
    transition = 2 * 3 + 3 * 3
    second = 2 * 3 + 3 * 4 + 2 * 4 + 4 * 9
    final = 2 * 4 + 4 * 2 + 2
    assert spec.num_params() == stem + first + transition + second + final
    flops = 2 * 16 * (18 + 8 + 36 + 9) + 2 * 4 * (12 + 36) + 2 * 4 * 2
    assert spec.flops() == flops


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("densenet-bc", "names no network"),
        ("conv-16-3 gap", "starts with 'densenet-bc'"),
        ("densenet-bc g12 g12", "starts with its stem"),
        ("densenet-bc stem8 g0", "positive"),
        ("densenet-bc stem8 g4 x3", "unknown DenseNet token 'x3'"),
        ("densenet-bc stem8 t8 g4", "must follow a miniblock"),
        ("densenet-bc stem8 g4 t8", "ends with a miniblock"),
        ("densenet-bc stem8 g4 stem8 g4", "only the first unit"),
        ("densenet-bc depth=41 growth=12", "depth must be 2nB"),
        ("densenet-bc growth=12", "needs depth"),
        ("densenet-bc depth=40 growth=12 color=red", "key among"),
        ("densenet-bc depth=40 growth=x", "growth must be a positive integer"),
        ("densenet-bc depth=40 growth=12 compression=2", "compression"),
        ("densenet-bc depth=40 growth=12 growth=4", "twice"),
    ],
)
def test_bad_strings_name_the_token(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DenseNetSpec.parse(text)


def test_too_many_transitions_for_the_image_are_refused() -> None:
    with pytest.raises(ValueError, match="below 1x1"):
        DenseNetSpec.parse("densenet-bc stem4 g2 t4 g2 t4 g2", (1, 2, 2), 3)
    with pytest.raises(ValueError, match="unique"):
        DenseNetSpec((DenseUnitSpec(STEM, 4, 0), DenseUnitSpec(MINIBLOCK, 2, 0)))
    with pytest.raises(ValueError, match="unknown"):
        DenseUnitSpec("conv", 4)
    assert DenseUnitSpec(TRANSITION, 4).is_pool
