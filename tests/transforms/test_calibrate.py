"""Tests of `calibrate`: the data-based BN identity keeps eval mode exact and makes train mode close."""

from __future__ import annotations

import pytest
import torch

from eas.build import build_model
from eas.spec import NetSpec
from eas.transforms import calibrate, check_preserved, deepen, widen
from tests.transforms.helpers import assert_states_equal, clone_state, logits, random_state

SPEC = NetSpec.parse("conv-5-3 pool conv-6-3 gap fc-7", (3, 12, 12), 4)
TRAIN_TOLERANCE = 1e-3


@pytest.fixture
def state() -> dict[str, torch.Tensor]:
    return random_state(SPEC, torch.Generator().manual_seed(1))


@pytest.fixture
def batch() -> torch.Tensor:
    # Image-like data with a non-zero mean: an uncalibrated BN is then far from an identity in train mode.
    return 0.5 + torch.rand(8, 3, 12, 12, generator=torch.Generator().manual_seed(2))


def train_difference(spec_a, state_a, spec_b, state_b, inputs) -> float:
    """Max |logit difference| in train mode, relative to the logits' size."""
    before = logits(spec_a, state_a, inputs, train=True)
    after = logits(spec_b, state_b, inputs, train=True)
    return float((before - after).abs().max()) / max(1.0, float(before.abs().max()))


def deepen_everywhere(state):
    """Insert a layer after every conv and the fc, as an episode's deeper actions do."""
    spec, inserted = SPEC, []
    for layer_id in (0, 2, 4):
        index = spec.index_of_id(layer_id)
        spec, state = deepen(spec, state, index, kernel_size=(1, 3, 5)[layer_id // 2], noise=0)
        inserted.append(spec.layers[index + 1].layer_id)
    return spec, state, inserted


def test_calibration_makes_train_mode_close_and_without_it_is_far(state, batch) -> None:
    spec, uncalibrated, inserted = deepen_everywhere(state)
    calibrated = calibrate(spec, uncalibrated, inserted, batch)
    assert check_preserved(SPEC, state, spec, uncalibrated, batch) <= 1e-5
    assert check_preserved(SPEC, state, spec, calibrated, batch) <= 1e-5
    assert train_difference(SPEC, state, spec, calibrated, batch) <= TRAIN_TOLERANCE
    # The check above would fail without calibration: the batch statistics change the function.
    assert train_difference(SPEC, state, spec, uncalibrated, batch) > 100 * TRAIN_TOLERANCE


def test_calibrated_values(state, batch) -> None:
    _, new_state = deepen(SPEC, state, 2, noise=0, calibration=batch)
    # The new layer copies the ReLU output of layer 2, whose statistics set its BN.
    features = torch.relu(batch_norm_output(SPEC, state, batch, "body.layer2"))
    mean = features.double().mean((0, 2, 3))
    variance = features.double().var((0, 2, 3), correction=0)
    prefix = "body.layer5.bn."
    torch.testing.assert_close(new_state[prefix + "running_mean"].double(), mean, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(new_state[prefix + "bias"].double(), mean, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(new_state[prefix + "running_var"].double(), variance, rtol=1e-4, atol=1e-6)
    torch.testing.assert_close(new_state[prefix + "weight"].double(), (variance + 1e-5).sqrt(), rtol=1e-4, atol=1e-6)
    assert int(new_state[prefix + "num_batches_tracked"]) == 0


def batch_norm_output(spec, state, inputs, module_name: str) -> torch.Tensor:
    """The train-mode output of one layer's BN (before its ReLU), captured with a hook."""
    model = build_model(spec, state).train()
    captured = []
    handle = model.get_submodule(module_name + ".bn").register_forward_hook(lambda _m, _i, out: captured.append(out))
    with torch.no_grad():
        model(inputs)
    handle.remove()
    return captured[0]


def test_recalibration_is_stable_and_widened_layers_work(state, batch) -> None:
    spec, uncalibrated, inserted = deepen_everywhere(state)
    # Widen an inserted layer and the layer feeding another one: the BN input keeps its width.
    spec, widened = widen(spec, uncalibrated, spec.index_of_id(inserted[0]), 9, noise=0)
    spec, widened = widen(spec, widened, spec.index_of_id(2), 8, noise=0)
    once = calibrate(spec, widened, inserted, batch)
    twice = calibrate(spec, once, inserted, batch)
    for key in once:
        torch.testing.assert_close(twice[key], once[key], rtol=1e-5, atol=1e-6)
    assert check_preserved(SPEC, state, spec, once, batch) <= 1e-5
    assert train_difference(SPEC, state, spec, once, batch) <= TRAIN_TOLERANCE


def test_inputs_are_not_modified(state, batch) -> None:
    spec, new_state, inserted = deepen_everywhere(state)
    before = clone_state(new_state)
    result = calibrate(spec, new_state, inserted, batch)
    assert_states_equal(new_state, before)
    for value in result.values():
        value.add_(1)
    assert_states_equal(new_state, before)


def test_empty_list_is_a_copy(state, batch) -> None:
    assert_states_equal(calibrate(SPEC, state, [], batch), state)


@pytest.mark.parametrize(
    ("layer_ids", "message"),
    [
        ([99], "no layer has id 99"),
        ([1], "'pool'"),
        ([3], "'gap'"),
        (5, "list of layer ids"),
        ([5, 5], "duplicates"),
        ([0], "not an identity"),  # a trained (here random) BN would be replaced: refused
    ],
)
def test_errors(state, batch, layer_ids, message: str) -> None:
    spec, new_state = deepen(SPEC, state, 0)
    with pytest.raises(ValueError, match=message):
        calibrate(spec, new_state, layer_ids, batch)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (torch.ones(4, 3, 12, 12, dtype=torch.uint8), "floating point"),
        (torch.ones(4, 3, 11, 12), "shape"),
        (torch.ones(1, 3, 12, 12), "at least 2"),
    ],
)
def test_bad_inputs(state, inputs, message: str) -> None:
    spec, new_state = deepen(SPEC, state, 0)
    with pytest.raises(ValueError, match=message):
        calibrate(spec, new_state, [5], inputs)
