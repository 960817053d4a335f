"""Tests of `deepen`: identity kernels, the BN identity, noise, calibration hand-off, purity and errors."""

from __future__ import annotations

import math

import pytest
import torch

from eas.build import build_model
from eas.spec import BATCH_NORM_EPS, LayerSpec, NetSpec
from eas.transforms import check_preserved, deepen
from eas.transforms.deeper import identity_kernel, identity_kernel_std
from tests.transforms.helpers import assert_states_equal, clone_state, logits, random_state

SPEC = NetSpec.parse("conv-4-3 pool conv-6-5 gap fc-7", (3, 12, 12), 4)
NEW_ID = 5


@pytest.fixture
def state() -> dict[str, torch.Tensor]:
    return random_state(SPEC, torch.Generator().manual_seed(1))


def inputs(batch: int = 5) -> torch.Tensor:
    return torch.randn(batch, 3, 12, 12, generator=torch.Generator().manual_seed(2))


@pytest.mark.parametrize("kernel_size", [1, 3, 5])
def test_conv_identity_at_centre_tap(state, kernel_size: int) -> None:
    new_spec, new_state = deepen(SPEC, state, 2, kernel_size=kernel_size, noise=0)
    assert new_spec.to_string() == f"conv-4-3 pool conv-6-5 conv-6-{kernel_size} gap fc-7"
    assert new_spec.layers[3].layer_id == NEW_ID
    kernel = new_state[f"body.layer{NEW_ID}.conv.weight"]
    assert kernel.shape == (6, 6, kernel_size, kernel_size)
    centre = kernel_size // 2
    assert torch.equal(kernel[:, :, centre, centre], torch.eye(6))
    assert float(kernel.abs().sum()) == 6.0
    assert check_preserved(SPEC, state, new_spec, new_state, inputs()) <= 1e-6


def test_fc_identity_and_bn_identity_values(state) -> None:
    new_spec, new_state = deepen(SPEC, state, 4, noise=0)
    assert new_spec.to_string() == "conv-4-3 pool conv-6-5 gap fc-7 fc-7"
    assert torch.equal(new_state[f"body.layer{NEW_ID}.fc.weight"], torch.eye(7))
    prefix = f"body.layer{NEW_ID}.bn."
    assert torch.equal(new_state[prefix + "running_mean"], torch.zeros(7))
    assert torch.equal(new_state[prefix + "running_var"], torch.ones(7))
    assert torch.equal(new_state[prefix + "bias"], torch.zeros(7))
    assert torch.equal(new_state[prefix + "weight"], torch.full((7,), math.sqrt(1 + BATCH_NORM_EPS)))
    assert int(new_state[prefix + "num_batches_tracked"]) == 0
    assert check_preserved(SPEC, state, new_spec, new_state, inputs()) <= 1e-6


def test_bn_identity_is_exact_in_eval_mode() -> None:
    batch_norm = torch.nn.BatchNorm2d(8, eps=BATCH_NORM_EPS).eval()
    with torch.no_grad():
        batch_norm.weight.fill_(math.sqrt(1 + BATCH_NORM_EPS))
        features = 10 * torch.rand(16, 8, 6, 6, generator=torch.Generator().manual_seed(0))
        assert float((batch_norm(features) - features).abs().max()) <= 1e-6


def test_keys_and_order_follow_the_new_model(state) -> None:
    new_spec, new_state = deepen(SPEC, state, 0, kernel_size=1)
    assert list(new_state) == list(build_model(new_spec).state_dict())


@pytest.mark.parametrize("after", [0, 2, 4])
def test_default_noise_is_small_and_on_whole_kernel(state, after: int) -> None:
    new_spec, new_state = deepen(SPEC, state, after, kernel_size=5, generator=torch.Generator().manual_seed(3))
    kind = "conv" if after < 4 else "fc"
    kernel = new_state[f"body.layer{NEW_ID}.{kind}.weight"]
    identity = deepen(SPEC, state, after, kernel_size=5, noise=0)[1][f"body.layer{NEW_ID}.{kind}.weight"]
    deviation = kernel - identity
    # Every tap is perturbed, with std 1e-3 times the std of the identity kernel itself.
    assert bool((deviation != 0).all())
    ratio = float(deviation.std()) / float(identity.std(correction=0))
    assert 0.5e-3 < ratio < 2e-3
    assert check_preserved(SPEC, state, new_spec, new_state, inputs()) < 1e-2


def test_single_unit_1x1_has_no_noise() -> None:
    spec = NetSpec.parse("conv-1-1 gap", (1, 8, 8), 2)
    state = random_state(spec, torch.Generator().manual_seed(0))
    _, new_state = deepen(spec, state, 0, kernel_size=1)
    assert torch.equal(new_state["body.layer2.conv.weight"], torch.ones(1, 1, 1, 1))


def test_calibration_is_applied(state) -> None:
    batch = 1.0 + inputs()
    new_spec, calibrated = deepen(SPEC, state, 2, calibration=batch, noise=0)
    prefix = f"body.layer{NEW_ID}.bn."
    assert not torch.equal(calibrated[prefix + "running_mean"], torch.zeros(6))
    torch.testing.assert_close(calibrated[prefix + "bias"], calibrated[prefix + "running_mean"])
    assert check_preserved(SPEC, state, new_spec, calibrated, batch) <= 1e-5
    before = logits(SPEC, state, batch, train=True)
    after = logits(new_spec, calibrated, batch, train=True)
    assert float((before - after).abs().max()) <= 1e-3 * max(1.0, float(before.abs().max()))


def test_inputs_are_not_modified(state) -> None:
    before = clone_state(state)
    batch = inputs()
    batch_before = batch.clone()
    _, new_state = deepen(SPEC, state, 2, calibration=batch)
    assert_states_equal(state, before)
    assert torch.equal(batch, batch_before)
    for value in new_state.values():
        value.add_(1)
    assert_states_equal(state, before)


def test_determinism(state) -> None:
    first = deepen(SPEC, state, 2, generator=torch.Generator().manual_seed(4))[1]
    second = deepen(SPEC, state, 2, generator=torch.Generator().manual_seed(4))[1]
    other = deepen(SPEC, state, 2, generator=torch.Generator().manual_seed(5))[1]
    assert_states_equal(first, second)
    assert not torch.equal(first[f"body.layer{NEW_ID}.conv.weight"], other[f"body.layer{NEW_ID}.conv.weight"])
    torch.manual_seed(9)
    third = deepen(SPEC, state, 2)[1]
    torch.manual_seed(9)
    assert_states_equal(third, deepen(SPEC, state, 2)[1])


@pytest.mark.parametrize(
    ("after", "kernel_size", "message"),
    [
        (1, 3, "'pool'"),
        (3, 3, "'gap'"),
        (5, 3, "classifier"),
        (6, 3, "out of range"),
        (-1, 3, "out of range"),
        (0, 2, "odd"),
        (0, 4, "odd"),
        (0, 7, "one of"),
        (0, 3.0, "one of"),
    ],
)
def test_errors(state, after, kernel_size, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        deepen(SPEC, state, after, kernel_size=kernel_size)


@pytest.mark.parametrize(
    ("calibration", "message"),
    [
        (torch.ones(5, 3, 12, 12, dtype=torch.long), "floating point"),
        (torch.ones(5, 3, 12), "shape"),
        (torch.ones(5, 1, 12, 12), "shape"),
        (torch.ones(1, 3, 12, 12), "at least 2"),
        ([[1.0]], "float tensor"),
    ],
)
def test_bad_calibration(state, calibration, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        deepen(SPEC, state, 0, calibration=calibration)


def test_bad_noise_and_state(state) -> None:
    with pytest.raises(ValueError, match="noise"):
        deepen(SPEC, state, 0, noise=-1)
    state["extra"] = torch.zeros(1)
    with pytest.raises(ValueError, match=r"unexpected keys \['extra'\]"):
        deepen(SPEC, state, 0)


@pytest.mark.parametrize("token", ["conv-1-1", "conv-3-1", "conv-6-3", "conv-24-5", "fc-1", "fc-7"])
def test_identity_kernel_std_closed_form(token: str) -> None:
    layer = LayerSpec.from_token(token)
    kernel = identity_kernel(layer, torch.float64, torch.device("cpu"))
    assert identity_kernel_std(layer) == pytest.approx(float(kernel.std(correction=0)), rel=1e-12, abs=1e-15)
