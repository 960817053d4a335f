"""Tests of `widen`: the weight surgery, noise on new units only, purity, determinism and errors."""

from __future__ import annotations

import pytest
import torch

from eas.spec import NetSpec
from eas.transforms import check_preserved, widen
from eas.transforms.mapping import replica_counts, unit_mapping
from tests.transforms.helpers import assert_states_equal, clone_state, random_state

SPEC = NetSpec.parse("conv-4-3 pool conv-6-5 avgpool conv-5-1 gap fc-7 fc-3", (3, 12, 12), 4)


@pytest.fixture
def state() -> dict[str, torch.Tensor]:
    return random_state(SPEC, torch.Generator().manual_seed(1))


def inputs() -> torch.Tensor:
    return torch.randn(5, 3, 12, 12, generator=torch.Generator().manual_seed(2))


@pytest.mark.parametrize(
    ("index", "prefix", "consumer"),
    [
        (0, "body.layer0.conv", "body.layer2.conv.weight"),  # across a max pool
        (4, "body.layer4.conv", "body.layer6.fc.weight"),  # across the global pool into an fc
        (7, "body.layer7.fc", "classifier.weight"),  # the last hidden fc feeds the classifier
    ],
)
def test_widen_gathers_and_divides(state, index: int, prefix: str, consumer: str) -> None:
    new_spec, new_state = widen(SPEC, state, index, 11, noise=0.0, generator=torch.Generator().manual_seed(3))
    assert new_spec.layers[index].width == 11
    assert new_spec.layers[index].layer_id == SPEC.layers[index].layer_id
    old_width = SPEC.layers[index].width
    mapping = unit_mapping(old_width, 11, torch.Generator().manual_seed(3))
    counts = replica_counts(mapping, old_width)
    weight_key = prefix + ".weight"
    bn_prefix = prefix.rsplit(".", 1)[0] + ".bn."
    assert torch.equal(new_state[weight_key], state[weight_key][mapping])
    for entry in ("weight", "bias", "running_mean", "running_var"):
        assert torch.equal(new_state[bn_prefix + entry], state[bn_prefix + entry][mapping])
    assert torch.equal(new_state[bn_prefix + "num_batches_tracked"], state[bn_prefix + "num_batches_tracked"])
    divisors = counts[mapping].reshape(1, 11, *([1] * (state[consumer].dim() - 2)))
    assert torch.equal(new_state[consumer], state[consumer][:, mapping] / divisors)
    # Summing the copies of each source unit gives back its original column exactly or to rounding.
    summed = torch.zeros_like(state[consumer]).index_add_(1, mapping, new_state[consumer])
    torch.testing.assert_close(summed, state[consumer], rtol=1e-6, atol=1e-7)
    assert check_preserved(SPEC, state, new_spec, new_state, inputs()) < 1e-5
    changed = {weight_key, consumer} | {
        bn_prefix + entry for entry in ("weight", "bias", "running_mean", "running_var")
    }
    for key in set(state) - changed:
        assert torch.equal(new_state[key], state[key])


def test_noise_only_on_new_units(state) -> None:
    new_spec, new_state = widen(SPEC, state, 2, 20, noise=0.01, generator=torch.Generator().manual_seed(4))
    old, new = state["body.layer2.conv.weight"], new_state["body.layer2.conv.weight"]
    assert torch.equal(new[:6], old)
    mapping = unit_mapping(6, 20, torch.Generator().manual_seed(4))
    deviation = new[6:] - old[mapping[6:]]
    assert float(deviation.abs().max()) > 0
    # The noise scale is 1% of the layer's weight std: its std is near 0.01 * std(old).
    ratio = float(deviation.std()) / float(old.std(correction=0))
    assert 0.005 < ratio < 0.02
    # A small perturbation of the function, not a new function.
    assert check_preserved(SPEC, state, new_spec, new_state, inputs()) < 0.05


def test_noise_zero_is_exact_copy(state) -> None:
    _, new_state = widen(SPEC, state, 0, 9, noise=0, generator=torch.Generator().manual_seed(5))
    mapping = unit_mapping(4, 9, torch.Generator().manual_seed(5))
    assert torch.equal(new_state["body.layer0.conv.weight"], state["body.layer0.conv.weight"][mapping])


def test_inputs_are_not_modified(state) -> None:
    before = clone_state(state)
    spec_before = NetSpec.from_json(SPEC.to_json())
    _, new_state = widen(SPEC, state, 4, 12, generator=torch.Generator().manual_seed(6))
    assert_states_equal(state, before)
    assert spec_before == SPEC
    # The output shares no storage with the input: editing it leaves the input alone.
    for value in new_state.values():
        value.add_(1)
    assert_states_equal(state, before)


def test_same_seed_same_result_and_different_seed_differs(state) -> None:
    first = widen(SPEC, state, 2, 15, generator=torch.Generator().manual_seed(7))[1]
    second = widen(SPEC, state, 2, 15, generator=torch.Generator().manual_seed(7))[1]
    other = widen(SPEC, state, 2, 15, generator=torch.Generator().manual_seed(8))[1]
    assert_states_equal(first, second)
    assert not torch.equal(first["body.layer2.conv.weight"], other["body.layer2.conv.weight"])


def test_default_generator_follows_torch_manual_seed(state) -> None:
    torch.manual_seed(123)
    first = widen(SPEC, state, 2, 15)[1]
    torch.manual_seed(123)
    second = widen(SPEC, state, 2, 15)[1]
    assert_states_equal(first, second)


def test_widen_float64_state() -> None:
    state = {
        key: value.double() if value.is_floating_point() else value
        for key, value in random_state(SPEC, torch.Generator().manual_seed(9)).items()
    }
    new_spec, new_state = widen(SPEC, state, 0, 8, noise=0.01)
    assert new_state["body.layer0.conv.weight"].dtype == torch.float64
    assert check_preserved(SPEC, state, new_spec, new_state, inputs()) < 0.05


@pytest.mark.parametrize(
    ("index", "width", "message"),
    [
        (1, 8, "'pool'"),
        (3, 8, "'avgpool'"),
        (5, 8, "'gap'"),
        (8, 8, "classifier"),
        (9, 8, "out of range"),
        (-1, 8, "out of range"),
        (1.0, 8, "must be an int"),
        (0, 4, "larger"),
        (0, 3, "larger"),
        (0, 8.0, "larger"),
    ],
)
def test_errors(state, index, width, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        widen(SPEC, state, index, width)


@pytest.mark.parametrize("noise", [-0.1, float("nan"), float("inf"), "0.1"])
def test_bad_noise(state, noise) -> None:
    with pytest.raises(ValueError, match="noise"):
        widen(SPEC, state, 0, 8, noise=noise)


def test_wrong_state_dict_is_named(state) -> None:
    del state["body.layer2.bn.running_var"]
    with pytest.raises(ValueError, match=r"missing keys \['body.layer2.bn.running_var'\]"):
        widen(SPEC, state, 0, 8)


def test_non_generator_is_refused(state) -> None:
    with pytest.raises(ValueError, match="generator"):
        widen(SPEC, state, 0, 8, generator="seed")  # type: ignore[arg-type]
